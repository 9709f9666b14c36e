import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { buildCheckoutRequest } from '@checkout/contracts';
import { recordTopics } from '../../test/support';
import { validAnswer } from './fake-validation';
import { startHarness, type Harness } from './harness';

/**
 * Edges of the accept path: what checkout does with an answer from validation-service that
 * is a 200 but not a well-formed verdict, and the "details list each bad field" rule of its 400s.
 */
let h: Harness;
let recorder: Awaited<ReturnType<typeof recordTopics>>;

beforeAll(async () => {
  h = await startHarness();
  recorder = await recordTopics(['order.created', 'order.failed']);
});
afterAll(async () => {
  await recorder.stop();
  await h.stop();
});
beforeEach(() => h.fake.answerWith(validAnswer));

const orderKeys = async () => (await h.redis.keys(`${h.prefix}:order:*`)).sort();

const pricedLines = [{ productId: 'sku-001', quantity: 1, unitPrice: 1999, lineTotal: 1999 }];
const pricing = (lines: typeof pricedLines) => {
  const subtotal = lines.reduce((s, l) => s + l.lineTotal, 0);
  return { lines, subtotal, discount: 0, total: subtotal, currency: 'USD' };
};

describe('POST /checkout when validation answers 200 with a self-contradicting verdict', () => {
  // ARCHITECTURE.md: 503 DEPENDENCY_UNAVAILABLE "when validation cannot be reached (nothing emitted)";
  // validation-client.ts: "anything but a well-formed 200 is a 503 here". A verdict that says
  // invalid but names no error is not a well-formed answer: checkout must neither accept the order
  // (202 + order.created for a cart validation refused) nor crash with a 500.
  // ValidateResponse (libs/contracts) requires the verdict and its errors to agree: before it did,
  // valid:false with no errors was taken as valid (202) or crashed on an empty order (500).
  it.each([
    ['valid:false, no errors, no priced lines', { valid: false, errors: [], pricing: pricing([]) }],
    ['valid:false, no errors, priced lines', { valid: false, errors: [], pricing: pricing(pricedLines) }],
    [
      'valid:true yet an error listed',
      {
        valid: true,
        errors: [
          { code: 'INSUFFICIENT_STOCK', productId: 'sku-001', requested: 1, available: 0, message: 'none left' },
        ],
        pricing: pricing(pricedLines),
      },
    ],
  ])(
    'when the verdict is %s, then 503 DEPENDENCY_UNAVAILABLE, nothing stored or emitted, and the key is free',
    async (_what, body) => {
      h.fake.answerWith(() => ({ status: 200, body }));
      const before = await orderKeys();
      const key = randomUUID();
      const correlationId = randomUUID();
      const customer = { id: `cust-${randomUUID()}`, name: 'Ada', email: 'ada@example.com' };
      const req = buildCheckoutRequest({ customer });
      const res = await request(h.app)
        .post('/checkout')
        .set('x-correlation-id', correlationId)
        .set('Idempotency-Key', key)
        .send(req);

      expect({ status: res.status, error: res.body.error }).toEqual({ status: 503, error: 'DEPENDENCY_UNAVAILABLE' });
      expect(await orderKeys()).toEqual(before);
      expect(await h.redis.scard(`${h.prefix}:unpaid:${customer.id}`)).toBe(0);

      // The key is free: a retry once validation is healthy places the order, not a replay.
      h.fake.answerWith(validAnswer);
      const retry = await request(h.app).post('/checkout').set('Idempotency-Key', key).send(req);
      expect(retry.status).toBe(202);
      expect(retry.headers['idempotent-replayed']).toBeUndefined();
      await recorder.waitForEvent('order.created', (e) => e.data.orderId === retry.body.orderId);
      expect(recorder.messages.filter((m) => m.headers['x-correlation-id'] === correlationId)).toEqual([]);
    },
  );
});

describe('POST /checkout 400 lists each bad field', () => {
  // ARCHITECTURE.md: 400 BAD_REQUEST "for malformed input (details list each bad field)".
  // The per-product quantity limit is a refinement of Cart, which zod skips once the object has an
  // issue unless told otherwise: a bad currency hid the over-limit line. (A line whose own fields
  // have the wrong type still stops it: zod aborts there, and the limit is named on the next try.)
  it('when the currency is not USD and one product exceeds 1000000 across its lines, then both fields are named', async () => {
    const body = {
      ...buildCheckoutRequest(),
      cart: {
        currency: 'EUR',
        items: [
          { productId: 'sku-001', quantity: 1_000_000, price: 2499 },
          { productId: 'sku-001', quantity: 1, price: 2499 },
        ],
      },
    };
    const res = await request(h.app).post('/checkout').send(body);
    expect(res.status).toBe(400);
    const fields = (res.body.details as { field: string }[]).map((d) => d.field);
    expect(fields).toEqual(expect.arrayContaining(['cart.currency', 'cart.items[1].quantity']));
  });

  // The Idempotency-Key header used to be checked (and thrown) before the body was parsed.
  it('when the Idempotency-Key header and a body field are both bad, then both are named', async () => {
    const body = { ...buildCheckoutRequest(), customer: { id: 'c1', name: 'Ada', email: 'not-an-email' } };
    const res = await request(h.app).post('/checkout').set('Idempotency-Key', 'k'.repeat(256)).send(body);
    expect(res.status).toBe(400);
    const fields = (res.body.details as { field: string }[]).map((d) => d.field);
    expect(fields).toEqual(expect.arrayContaining(['Idempotency-Key', 'customer.email']));
  });
});
