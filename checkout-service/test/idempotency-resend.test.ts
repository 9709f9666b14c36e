import request from 'supertest';
import { buildCheckoutRequest } from '@checkout/contracts';
import { useRedisThroughProxy } from '../../test/support';
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
