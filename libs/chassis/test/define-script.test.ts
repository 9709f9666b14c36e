import { defineScript } from '../src';
import { useOwnRedis } from '../../../test/support';

// SCRIPT FLUSH empties the script cache of the whole server: on the run's shared Redis it would
// make other files' late script calls answer NOSCRIPT, which some of them rely on not happening.
const own = useOwnRedis('define-script');

describe('defineScript', () => {
  it('when the server lost its scripts, then a script call still runs, and calls sent together get their own answers', async () => {
    const incr = defineScript<[number]>(own.redis, 1, "return redis.call('INCRBY', KEYS[1], ARGV[1])");
    const key = 'counter';
    expect(await incr([key], 1)).toBe(1);
    await own.redis.script('FLUSH');
    // Issued together, none waiting for another: both EVALSHAs answer NOSCRIPT and are sent again
    // in full, after the GET that went with them.
    const answers = await Promise.all([incr([key], 10), incr([key], 100), own.redis.get(key)]);
    expect(answers).toEqual([11, 111, '1']);
  });
});
