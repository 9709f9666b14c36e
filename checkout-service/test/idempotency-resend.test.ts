import request from 'supertest';
import { connectRedis, createLogger, createRedis, RedisClock } from '@checkout/chassis';
import { buildCheckoutRequest } from '@checkout/contracts';
import { useRedisThroughProxy, waitFor } from '../../test/support';
import { IdempotencyStore } from '../src/store/idempotency-store';
import { startHarness, type Harness } from './harness';

// ioredis re-sends a command whose answer a dropped connection lost, once it has reconnected. The
// re-sent SET NX of the claim then finds the claim its own first run wrote: that is this request's
// claim, not another request in flight.
let h: Harness;
const through = useRedisThroughProxy('idempotency-resend');

beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h.stop();
});

describe("POST /checkout with an Idempotency-Key — the claim's answer lost on a dropped connection", () => {
  it('when the SET NX answer is lost and ioredis re-sends it, then the request still places its order (not 409 for itself)', async () => {
    const app = h.appWith({ idempotency: new IdempotencyStore(through.redis, { prefix: h.prefix }) });
    const key = `resend-${Date.now()}`;
    const body = buildCheckoutRequest();

    const dropped = through.proxy.dropNextReply(); // the next reply on the idempotency connection is the claim's SET NX
    const first = await request(app).post('/checkout').set('Idempotency-Key', key).send(body);
    const retry = await request(app).post('/checkout').set('Idempotency-Key', key).send(body);

    expect(dropped()).toBe(true);
    expect(first.status).toBe(202);
    // The client's retry with the same key replays the first answer: one order, not two.
    expect(retry.status).toBe(202);
    expect(retry.headers['idempotent-replayed']).toBe('true');
    expect(retry.body).toEqual(first.body);
  });
});

describe('POST /checkout with an Idempotency-Key — Redis stalled while the key was claimed', () => {
  it('when the claim runs only after the request gave up (503), then it writes nothing: the retry is placed, not held at 409', async () => {
    // The client of a stalled server: its claim times out after 1.5 s, with a 1 s window (the requests
    // before and after the stall must run their scripts within it, on a busy machine too).
    const stalled = createRedis(through.proxy.url, createLogger('test', 'silent'), 'stalled', { commandTimeout: 1500 });
    await connectRedis(stalled);
    const clock = new RedisClock(h.redis);
    await clock.read();
    const app = h.appWith({
      idempotency: new IdempotencyStore(stalled, { prefix: h.prefix, deadline: () => clock.deadline(1000) }),
    });
    const key = `stalled-${Date.now()}`;
    const body = buildCheckoutRequest();
    try {
      // Redis knows the claim's script first: a late EVALSHA of one it did not know would only answer NOSCRIPT.
      const warm = await request(app)
        .post('/checkout')
        .set('Idempotency-Key', `${key}-warm`)
        .send(buildCheckoutRequest());
      expect(warm.status).toBe(202);
      through.proxy.stall(3000);
      const first = await request(app).post('/checkout').set('Idempotency-Key', key).send(body);
      expect(first.status).toBe(503);
      // The server resumes and runs what was queued, the claim first: a PING behind it answers after it ran.
      await waitFor(() => stalled.ping().then(() => true), {
        timeoutMs: 5000,
        what: 'the stalled connection to resume',
      });
      expect(await h.redis.get(`${h.prefix}:idempotency:${key}`)).toBeNull();
      const retry = await request(app).post('/checkout').set('Idempotency-Key', key).send(body);
      expect(retry.status).toBe(202);
    } finally {
      stalled.disconnect();
    }
  });
});
