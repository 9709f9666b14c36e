import request from 'supertest';
import { buildCheckoutRequest } from '@checkout/contracts';
import {
  REJECTED,
  RUNS,
  expectFieldNamed,
  expectNoPollution,
  expectSafeAnswer,
  fc,
  hostileSegment,
  hostileString,
  mutationsOf,
  sendJson,
  wholeBodyJunk,
} from '../../test/support/hostile';
import { startHarness, type Harness } from './harness';

let h: Harness;

beforeAll(async () => {
  h = await startHarness();
  // With the relay stopped the outbox only grows, so its length counts exactly what was emitted.
  await h.outbox.stop();
});
afterAll(() => h.stop());

const written = async () => ({
  events: await h.redis.xlen(h.outbox.stream),
  orders: (await h.redis.keys(`${h.prefix}:order:*`)).length,
  unpaid: (await h.redis.keys(`${h.prefix}:unpaid:*`)).length,
});

/**
 * Sends a body and checks the answer, and that only a decided order wrote anything: an accepted one
 * (202, order.created) or one that failed validation (422 VALIDATION_FAILED, order.failed). Every
 * other answer stores and emits nothing.
 */
const checkoutWith = async (text: string, headers: Record<string, string> = {}) => {
  const before = await written();
  const res = await sendJson(h.app, 'post', '/checkout', text, headers);
  expectSafeAnswer(res, [202, 409, 422, ...REJECTED]);
  const after = await written();
  const fresh = res.headers['idempotent-replayed'] === undefined;
  const decided = fresh && (res.status === 202 || (res.status === 422 && res.body.error === 'VALIDATION_FAILED'));
  expect(after).toEqual(
    decided ? { events: before.events + 1, orders: before.orders + 1, unpaid: after.unpaid } : before,
  );
  expectNoPollution();
  return res;
};

describe('POST /checkout with hostile bodies', () => {
  it('when one field of a valid order is hostile, then the answer is 202 or a 4xx naming the field, and a rejection stores and emits nothing', async () => {
    await fc.assert(
      fc.asyncProperty(mutationsOf(buildCheckoutRequest()), async (m) => {
        const res = await checkoutWith(m.text);
        expectFieldNamed(res, m);
      }),
      { numRuns: RUNS * 2 },
    );
  });

  it('when the body is not an order at all (deep nesting, junk, prototype keys), then 4xx and nothing stored or emitted', async () => {
    await fc.assert(
      fc.asyncProperty(wholeBodyJunk, async (text) => {
        const res = await checkoutWith(text);
        expect(res.status).toBeGreaterThanOrEqual(400);
      }),
      { numRuns: RUNS },
    );
  });

  it('when the Idempotency-Key header is hostile, then 202 or 400 naming Idempotency-Key', async () => {
    // Longer headers are refused by Node's HTTP parser (431) before any of our code runs.
    const headerSafe = hostileString.filter((s) => s.length < 8000 && /^[\t\x20-\x7e\x80-\xff]*$/.test(s));
    await fc.assert(
      fc.asyncProperty(headerSafe, async (key) => {
        const res = await checkoutWith(JSON.stringify(buildCheckoutRequest()), { 'Idempotency-Key': key });
        expect([202, 400]).toContain(res.status);
        if (res.status === 400) expect(JSON.stringify(res.body.details)).toContain('Idempotency-Key');
      }),
      { numRuns: RUNS },
    );
  });

  it('when the body is not JSON, then 4xx and nothing stored', async () => {
    const before = await written();
    for (const [type, body] of [
      ['text/plain', 'cart=1'],
      ['application/x-www-form-urlencoded', 'cart[items][0][quantity]=1&__proto__[polluted]=yes'],
      ['application/xml', '<cart/>'],
    ] as const) {
      const res = await request(h.app).post('/checkout').set('Content-Type', type).send(body);
      expectSafeAnswer(res, REJECTED);
    }
    expect(await written()).toEqual(before);
    expectNoPollution();
  });
});

describe('GET /orders/:orderId and /orders/:orderId/events with hostile ids', () => {
  it('when the id is hostile, then 404 (or 400), never 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(hostileSegment, fc.boolean(), async (id, events) => {
        const res = await request(h.app).get(`/orders/${id}${events ? '/events' : ''}`);
        expectSafeAnswer(res, [404, 400]);
      }),
      { numRuns: RUNS },
    );
  });
});
