import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { closeServer, createHttpApp, createLogger, createMetrics, Health, listen } from '@checkout/chassis';
import { createApp as paymentApp } from '../../payment-service/src/app';
import type { PaymentStore } from '../../payment-service/src/store/payment-store';
import { createPaymentClient } from '../src/clients/payment-client';

// What the expiry sweeper hears from payment-service's real routes (a store holding no payment):
// 'none' releases an expired reservation at once, whatever payment-service may be doing with it.
const deps = () => ({
  logger: createLogger('payment-client-test', 'silent'),
  health: new Health(),
  metrics: createMetrics('payment-client-test'),
});
const servers: Server[] = [];
const serve = async (app: Parameters<typeof listen>[0]) => {
  const server = await listen(app, 0, '127.0.0.1');
  servers.push(server);
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
};
afterAll(() => Promise.all(servers.map((s) => closeServer(s))));

it('when payment-service holds no payment for the order (its own 404), then none', async () => {
  const url = await serve(paymentApp({ ...deps(), store: { get: async () => undefined } as unknown as PaymentStore }));
  expect(await createPaymentClient(url, 1000).state('ord_never_held')).toBe('none');
});

it('when PAYMENT_URL reaches another service (a wrong port), then its 404 for a path it has no route for says nothing: it cannot say, and the stock stays held', async () => {
  const elsewhere = await serve(createHttpApp(deps(), () => undefined));
  await expect(createPaymentClient(elsewhere, 1000).state('ord_charging_now')).rejects.toMatchObject({
    code: 'DEPENDENCY_UNAVAILABLE',
  });
});

it.each([
  ['PENDING', 'pending'],
  ['PROCESSING', 'pending'],
  ['AUTHORIZED', 'authorized'],
  ['FAILED', 'failed'],
] as const)(
  'when payment-service holds a %s payment, then %s (the sweeper releases stock only for none and failed)',
  async (status, state) => {
    const payment = { orderId: 'ord_held', status, attempts: 1, amount: 2499, currency: 'USD' };
    const store = { get: async () => payment } as unknown as PaymentStore;
    const url = await serve(paymentApp({ ...deps(), store }));
    expect(await createPaymentClient(url, 1000).state('ord_held')).toBe(state);
  },
);
