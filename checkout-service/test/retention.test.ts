import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { buildCheckoutRequest, buildPaymentAuthorized, buildStockReserved, type EventType } from '@checkout/contracts';
import { testPublisher, waitFor } from '../../test/support';
import { invalidAnswer, validAnswer } from './fake-validation';
import { startHarness, type Harness } from './harness';

/**
 * An order that has ended (CONFIRMED, or FAILED at validation with a 422) expires after
 * RECORD_RETENTION_MS, so checkout's Redis does not grow by ~1 KB per order for good; one still
 * under way is kept. The retention is at least as long as an Idempotency-Key, whose replay answers
 * `Location: /orders/{orderId}` for 24 h.
 */
const IDEMPOTENCY_TTL_MS = 86_400_000;

let h: Harness;
let pub: Awaited<ReturnType<typeof testPublisher>>;

beforeAll(async () => {
  h = await startHarness({ consume: true });
  pub = await testPublisher();
});
afterAll(async () => {
  await pub.stop();
  await h.stop();
});
afterEach(() => h.fake.answerWith(validAnswer));

const deliver = async <T extends EventType>(type: T, data: Parameters<typeof pub.publish<T>>[1]) => {
  const event = await pub.publish(type, data);
  await waitFor(() => h.handled.includes(event.id), { what: `${type} to be handled` });
};
const statusOf = async (orderId: string) => (await request(h.app).get(`/orders/${orderId}`)).body.status as string;

describe('checkout-service Redis retention', () => {
  it('when an order has reached CONFIRMED, then its record expires (a TTL at least as long as its idempotency key), rather than living forever', async () => {
    const res = await request(h.app)
      .post('/checkout')
      .set('Idempotency-Key', randomUUID())
      .send(buildCheckoutRequest());
    expect(res.status).toBe(202);
    const { orderId } = res.body as { orderId: string };
    expect(await h.redis.pttl(`${h.prefix}:order:${orderId}`)).toBe(-1); // under way: kept until it ends
    await deliver('stock.reserved', buildStockReserved({ orderId }));
    await deliver('payment.authorized', buildPaymentAuthorized({ orderId }));
    await waitFor(async () => (await statusOf(orderId)) === 'CONFIRMED', { what: 'the order to be CONFIRMED' });

    // Nothing can move a terminal order any more; the unpaid-set entry is already gone.
    const pttl = await h.redis.pttl(`${h.prefix}:order:${orderId}`);

    expect(pttl).toBeGreaterThanOrEqual(IDEMPOTENCY_TTL_MS);
  });

  it('when a cart fails validation (422), then the FAILED order it stores expires instead of accumulating for every bad request', async () => {
    h.fake.answerWith(invalidAnswer([{ code: 'UNKNOWN_PRODUCT', productId: 'sku-nope', message: 'no such product' }]));
    const orderIds: string[] = [];
    for (let i = 0; i < 20; i++) {
      const res = await request(h.app).post('/checkout').send(buildCheckoutRequest());
      expect(res.status).toBe(422);
      orderIds.push(res.body.orderId as string);
    }

    const ttls = await Promise.all(orderIds.map((id) => h.redis.pttl(`${h.prefix}:order:${id}`)));
    const keptForGood = ttls.filter((t) => t === -1).length;

    expect(keptForGood).toBe(0);
  });
});
