import fs from 'node:fs';
import { redisReady } from '../src';
import { useOwnRedis, waitFor } from '../../../test/support';

// A Redis that cannot write to its disk (full, or its folder gone) refuses every write with
// MISCONF while it still answers INFO: readiness must see it, as it did when it was a PING alone.
const own = useOwnRedis('disk-full');

describe('readiness when Redis cannot write to its disk', () => {
  afterEach(() => own.redis.config('SET', 'save', ''));

  it('when its snapshot fails (MISCONF: every write refused), then not ready; once it may write again, ready', async () => {
    const ready = redisReady(own.redis);
    expect(await ready()).toBe(true);

    // With its data folder gone a snapshot fails, and with snapshots configured Redis then stops
    // taking writes (stop-writes-on-bgsave-error, its default).
    const [, dir] = (await own.redis.config('GET', 'dir')) as [string, string];
    fs.rmSync(dir, { recursive: true, force: true });
    await own.redis.config('SET', 'save', '3600 1');
    await own.redis.bgsave();
    await waitFor(async () => (await own.redis.info('persistence')).includes('rdb_last_bgsave_status:err'), {
      what: 'the snapshot to fail',
    });
    await expect(own.redis.set('k', 'v')).rejects.toThrow(/^MISCONF/);
    expect(await ready().catch((err: Error) => err.message.slice(0, 7))).toBe('MISCONF');

    // No snapshots configured: writes are taken again.
    await own.redis.config('SET', 'save', '');
    expect(await ready()).toBe(true);
  });
});
