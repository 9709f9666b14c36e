import { testPublisher } from '../support/kafka';
import { api } from '../support/http';
import { chargesFor, checkoutBody, placeOrder, setStock, stockOf, waitForTerminal } from '../support/saga';
import { waitFor } from '../support/wait';

describe('a stale stock cache', () => {
  it('when the cache says in stock but inventory has none, then the order is FAILED INSUFFICIENT_STOCK and nothing is charged', async () => {
    // sku-020 is this test's alone: the cache is made to believe a version far in the future.
    const truth = await setStock('sku-020', 0);
    const pub = await testPublisher();
    await pub.publish('stock.updated', {
      productId: 'sku-020',
      available: 50,
      version: truth.version + 1000,
      reason: 'test: stale',
    });
    await pub.stop();
    await waitFor(async () => (await api('inventory-cache-service').get('/stock/sku-020')).data?.available === 50, {
      what: 'the cache to believe 50 in stock',
    });

    const { data } = await placeOrder(await checkoutBody([['sku-020', 1]]));
    const order = await waitForTerminal(data.orderId);
    expect(order).toMatchObject({ status: 'FAILED', code: 'INSUFFICIENT_STOCK' });
    expect(await chargesFor(data.orderId)).toEqual([]);
    // payment-service closes the payment it held for the order rather than leaving it PENDING.
    await waitFor(
      async () => (await api('payment-service').get(`/payments/${data.orderId}`)).data?.status === 'FAILED',
      {
        what: 'the held payment to be closed',
      },
    );
    expect((await api('payment-service').get(`/payments/${data.orderId}`)).data).toMatchObject({
      code: 'INSUFFICIENT_STOCK',
      attempts: 0,
    });
    expect(await stockOf('sku-020')).toMatchObject({ available: 0, reserved: 0 });
  });
});
