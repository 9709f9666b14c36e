import axios from 'axios';
import { waitFor } from '../support/wait';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { startSystem } = require('../support/system');

/**
 * Its own system: reservations that expire in 3 s and a gateway slower than the attempt timeout,
 * so every attempt times out until the reservation has expired. 3 s rather than less: on a busy
 * machine the reservation must still be live when payment first calls the gateway, or no attempt
 * is made at all and the test proves nothing.
 */
describe('a reservation that expires while the gateway is slow', () => {
  let system: { urls: Record<string, string>; adminToken: string; stop(): Promise<void> };
  const client = (service: string) =>
    axios.create({ baseURL: system.urls[service], validateStatus: () => true, timeout: 10_000 });

  beforeAll(async () => {
    // A charge whose attempts went unanswered is left undecided at expiry (the gateway may still be
    // deciding one), and the payment sweeper's resumed call decides it a lease later: 3 s here.
    system = await startSystem({
      env: {
        RESERVATION_TTL_MS: '3000',
        RESERVATION_GRACE_MS: '1000',
        PAYMENT_ATTEMPT_TIMEOUT_MS: '400',
        PAYMENT_LEASE_MS: '3000',
        PAYMENT_SWEEP_INTERVAL_MS: '500',
      },
    });
  }, 90_000);
  afterAll(() => system?.stop());

  it('when every attempt times out past expiresAt, then the order FAILS RESERVATION_EXPIRED, stock is released and nothing is charged', async () => {
    await client('payment-gateway-mock').post(
      '/_control',
      { latencyMs: 5000 },
      { headers: { authorization: `Bearer ${system.adminToken}` } },
    );
    const before = (await client('inventory-service').get('/inventory/sku-009')).data;
    const price = (await client('validation-service').get('/products/sku-009')).data.price;
    const res = await client('checkout-service').post('/checkout', {
      cart: { items: [{ productId: 'sku-009', quantity: 2, price }] },
      customer: { id: 'c-exp', name: 'Slow Gateway', email: 'slow@example.com' },
      payment: { token: 'tok_visa' },
    });
    expect(res.status).toBe(202);
    const orderId = res.data.orderId;

    const order = await waitFor(
      async () => {
        const o = (await client('checkout-service').get(`/orders/${orderId}`)).data;
        return o.status === 'FAILED' || o.status === 'CONFIRMED' ? o : undefined;
      },
      { timeoutMs: 30_000, what: 'the order to finish' },
    );
    expect(order).toMatchObject({ status: 'FAILED', code: 'RESERVATION_EXPIRED' });
    await waitFor(async () => {
      const s = (await client('inventory-service').get('/inventory/sku-009')).data;
      return s.available === before.available && s.reserved === before.reserved;
    });
    // Every attempt that reached the gateway must be dropped there once its latency ran out, never charged.
    const payment = (await client('payment-service').get(`/payments/${orderId}`)).data;
    expect(payment).toMatchObject({ status: 'FAILED', code: 'RESERVATION_EXPIRED' });
    const attempts = await waitFor(
      async () => {
        const seen = (await client('payment-gateway-mock').get('/v1/charges/attempts', { params: { orderId } })).data;
        return seen.inFlight === 0 ? seen.attempts : undefined;
      },
      { timeoutMs: 15_000, what: 'the delayed attempts to be decided by the gateway' },
    );
    expect(attempts.length).toBeGreaterThan(0);
    expect(attempts.map((a: { outcome: string }) => a.outcome)).toEqual(attempts.map(() => 'dropped'));
    const charges = (await client('payment-gateway-mock').get('/v1/charges', { params: { orderId } })).data.items;
    expect(charges).toEqual([]);
  });
});
