import request from 'supertest';
import {
  buildCheckoutRequest,
  buildPaymentAuthorized,
  buildPaymentFailed,
  buildStockFailed,
  buildStockReserved,
  type EventType,
} from '@checkout/contracts';
import { testPublisher, waitFor } from '../../test/support';
import { metricValue } from '../../test/support/metrics';
import { invalidAnswer, validAnswer } from './fake-validation';
import { startHarness, type Harness } from './harness';

let h: Harness;
let pub: Awaited<ReturnType<typeof testPublisher>>;

beforeAll(async () => {
  h = await startHarness({ consume: true });
  pub = await testPublisher();
});
beforeEach(() => h.fake.answerWith(validAnswer));
afterAll(async () => {
  await pub.stop();
  await h.stop();
});

const metric = async (name: string, labels: Record<string, string> = {}) =>
  metricValue((await request(h.app).get('/metrics')).text, name, labels);

const newOrder = async (): Promise<string> => {
  const res = await request(h.app).post('/checkout').send(buildCheckoutRequest());
  expect(res.status).toBe(202);
  return res.body.orderId as string;
};

const deliver = async <T extends EventType>(type: T, data: Parameters<typeof pub.publish<T>>[1], id?: string) => {
  const timesHandled = (eventId: string) => h.handled.filter((x) => x === eventId).length;
  const before = id ? timesHandled(id) : 0;
  const event = await pub.publish(type, data, id ? { id } : {});
  await waitFor(() => timesHandled(event.id) > before, { what: `${type} to be handled` });
  return event;
};

describe('GET /metrics: where orders are', () => {
  it('when an order is accepted, then orders_accepted_total counts it', async () => {
    const before = await metric('orders_accepted_total');
    await newOrder();
    expect(await metric('orders_accepted_total')).toBe(before + 1);
  });

  it('when validation refuses a cart, then orders_failed_total counts it at stage validation with its code', async () => {
    const labels = { stage: 'validation', code: 'UNKNOWN_PRODUCT' };
    const before = await metric('orders_failed_total', labels);
    const accepted = await metric('orders_accepted_total');
    h.fake.answerWith(invalidAnswer([{ code: 'UNKNOWN_PRODUCT', productId: 'nope', message: 'unknown product nope' }]));
    const res = await request(h.app).post('/checkout').send(buildCheckoutRequest());
    expect(res.status).toBe(422);
    expect(await metric('orders_failed_total', labels)).toBe(before + 1);
    expect(await metric('orders_accepted_total')).toBe(accepted);
  });

  it('when an order is CONFIRMED, then orders_confirmed_total and saga_duration_seconds count it once, even if payment.authorized is redelivered', async () => {
    const orderId = await newOrder();
    const confirmed = await metric('orders_confirmed_total');
    const durations = await metric('saga_duration_seconds_count', { status: 'CONFIRMED' });
    await deliver('stock.reserved', buildStockReserved({ orderId }));
    expect(await metric('orders_confirmed_total')).toBe(confirmed);
    const authorized = await deliver('payment.authorized', buildPaymentAuthorized({ orderId }));
    await deliver('payment.authorized', authorized.data, authorized.id);
    expect(await metric('orders_confirmed_total')).toBe(confirmed + 1);
    expect(await metric('saga_duration_seconds_count', { status: 'CONFIRMED' })).toBe(durations + 1);
  });

  it('when an order fails at payment or at stock, then orders_failed_total counts it by stage and code', async () => {
    const payment = { stage: 'payment', code: 'INSUFFICIENT_FUNDS' };
    const stock = { stage: 'stock', code: 'INSUFFICIENT_STOCK' };
    const [paymentBefore, stockBefore] = [
      await metric('orders_failed_total', payment),
      await metric('orders_failed_total', stock),
    ];
    const failedDurations = await metric('saga_duration_seconds_count', { status: 'FAILED' });

    const declined = await newOrder();
    await deliver('payment.failed', buildPaymentFailed({ orderId: declined, code: 'INSUFFICIENT_FUNDS' }));
    const shortOfStock = await newOrder();
    await deliver('stock.failed', buildStockFailed({ orderId: shortOfStock, code: 'INSUFFICIENT_STOCK' }));

    expect(await metric('orders_failed_total', payment)).toBe(paymentBefore + 1);
    expect(await metric('orders_failed_total', stock)).toBe(stockBefore + 1);
    expect(await metric('saga_duration_seconds_count', { status: 'FAILED' })).toBe(failedDurations + 2);
  });
});
