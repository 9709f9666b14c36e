import { api } from '../support/http';
import {
  auditOf,
  chargesFor,
  checkoutBody,
  count,
  gatewayAttempts,
  gatewayControl,
  notificationsOf,
  placeOrder,
  stockOf,
  waitForTerminal,
} from '../support/saga';
import { waitFor } from '../support/wait';

const stockSettled = (productId: string, expected: { available: number; reserved: number }) =>
  waitFor(
    async () => {
      const s = await stockOf(productId);
      return s.available === expected.available && s.reserved === expected.reserved ? s : undefined;
    },
    { what: `${productId} stock back to ${JSON.stringify(expected)}` },
  );

afterEach(() => gatewayControl({ reset: true }));

describe.each([
  ['tok_insufficient_funds', 'INSUFFICIENT_FUNDS'],
  ['tok_invalid_card', 'INVALID_CARD'],
])('a declined card (%s)', (token, code) => {
  it(`when the gateway declines, then the order is FAILED ${code} after one attempt and the stock comes back`, async () => {
    const before = await stockOf('sku-005');
    const { data } = await placeOrder(await checkoutBody([['sku-005', 3]], token));
    const order = await waitForTerminal(data.orderId);
    expect(order).toMatchObject({ status: 'FAILED', code });

    expect(await gatewayAttempts(data.orderId)).toHaveLength(1);
    expect(await chargesFor(data.orderId)).toEqual([expect.objectContaining({ status: 'declined' })]);
    const payment = (await api('payment-service').get(`/payments/${data.orderId}`)).data;
    expect(payment).toMatchObject({ status: 'FAILED', code, attempts: 1 });
    await stockSettled('sku-005', before);

    const types = await waitFor(async () => {
      const t = (await auditOf(data.orderId)).map((e) => e.type);
      return t.includes('stock.released') && t.includes('order.failed') ? t : undefined;
    });
    expect(types).toEqual(expect.arrayContaining(['order.created', 'stock.reserved', 'payment.failed']));
    const notes = await waitFor(async () => {
      const n = await notificationsOf(data.orderId);
      return n.some((x) => x.template === 'order-failed') ? n : undefined;
    });
    expect(count(notes, (n) => n.template === 'order-failed')).toBe(1);
  });
});

describe('transient gateway trouble', () => {
  it('when the next 3 charges answer 503, then the order is CONFIRMED on the 4th attempt with one charge, its gaps no shorter than the backoff', async () => {
    await gatewayControl({ failNext: 3 });
    const { data } = await placeOrder(await checkoutBody([['sku-006', 1]]));
    const order = await waitForTerminal(data.orderId);
    expect(order.status).toBe('CONFIRMED');

    const attempts = await gatewayAttempts(data.orderId);
    expect(attempts.map((a) => a.outcome)).toEqual(['unavailable', 'unavailable', 'unavailable', 'authorized']);
    const at = attempts.map((a) => Date.parse(a.at));
    const gaps = at.slice(1).map((t, i) => t - at[i]!);
    console.log(`transient gateway trouble: gaps between attempts ${gaps.join(', ')} ms`);
    // Equal jitter: the first wait is 50-100 ms, the third 200-400 ms, at least twice the first's
    // ceiling. Floors, since a busy machine can only lengthen a gap (a late first retry could outlast
    // the third); the order of adjacent waits is left to the retry policy's unit test. Less 1 ms: the
    // gateway's timestamps are whole milliseconds.
    expect(gaps[0]!).toBeGreaterThanOrEqual(49);
    expect(gaps[2]!).toBeGreaterThanOrEqual(199);
    expect((await chargesFor(data.orderId)).filter((c) => c.status === 'authorized')).toHaveLength(1);
    expect((await api('payment-service').get(`/payments/${data.orderId}`)).data).toMatchObject({
      status: 'AUTHORIZED',
      attempts: 4,
    });
  });

  it('when the gateway fails every time (tok_gateway_error), then FAILED GATEWAY_ERROR after max retries + 1 attempts, stock released', async () => {
    const before = await stockOf('sku-007');
    const { data } = await placeOrder(await checkoutBody([['sku-007', 2]], 'tok_gateway_error'));
    const order = await waitForTerminal(data.orderId);
    expect(order).toMatchObject({ status: 'FAILED', code: 'GATEWAY_ERROR' });
    expect(await gatewayAttempts(data.orderId)).toHaveLength(6);
    expect(await chargesFor(data.orderId)).toEqual([]);
    await stockSettled('sku-007', before);
  });
});
