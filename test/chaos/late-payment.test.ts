import Redis from 'ioredis';
import { REANNOUNCED_HEADER, dlqTopic } from '@checkout/contracts';
import { useChaosSystem, tryCheckout } from '../support/chaos';
import type { RecordedMessage } from '../support/kafka';
import { api } from '../support/http';
import { assertInvariants, levels } from '../support/invariants';
import { metricValue } from '../support/metrics';
import { checkoutBody, gatewayControl, placeOrder, setStock, stockOf, waitForTerminal } from '../support/saga';
import { waitFor } from '../support/wait';

/**
 * A payment decided long after its reservation's expiresAt + grace (here a gateway taking 4 s to
 * authorize, within an 8 s attempt timeout, against a 1 s reservation and 0.5 s of grace; in
 * production a payment worker paused mid-attempt does the same). The expiry sweeper released the
 * reservation, the last unit was sold to the next order, and the late payment.authorized confirmed
 * the first one too: two CONFIRMED, charged orders for one unit. The sweeper now asks
 * payment-service before releasing, and holds stock whose payment is still pending.
 * Held half a second, a reservation has its stock.reserved announced again (the copies a payment
 * being charged takes as duplicates); checkout announces nothing again, as if every copy of its
 * had been lost too.
 */
const system = useChaosSystem({
  env: {
    RESERVATION_TTL_MS: '1000',
    RESERVATION_GRACE_MS: '500',
    EXPIRY_SWEEP_MS: '100',
    PAYMENT_ATTEMPT_TIMEOUT_MS: '8000',
    HELD_REANNOUNCE_AFTER_MS: '500',
    REANNOUNCE_AFTER_MS: '0',
  },
});

afterEach(() => gatewayControl({ reset: true }));

const held = async (reason: string) =>
  metricValue((await api('inventory-service').get('/metrics')).data as string, 'inventory_expiry_held_total', {
    reason,
  });

describe('a payment decided after its reservation expired', () => {
  it('when the gateway authorizes after expiresAt + grace, then the unit was held for it: no second order buys it, no oversell', async () => {
    const { recorder } = system();
    const P = 'sku-015';
    await setStock(P, 1);
    const initial = await levels();
    await gatewayControl({ latencyMs: 4000 });
    const heldBefore = await held('payment_pending');

    const first = (await placeOrder(await checkoutBody([[P, 1]]))).data.orderId as string;
    // The sweeper has come to the expired reservation: it held it (or, before the fix, released it).
    await waitFor(
      async () =>
        (await held('payment_pending')) > heldBefore ||
        (await api('inventory-service').get(`/reservations/${first}`)).data.status === 'RELEASED',
      { what: 'the sweeper to reach the expired reservation' },
    );
    // What validation would see now, so the next checkout meets inventory's level, whatever it is.
    const level = await stockOf(P);
    await waitFor(
      async () => (await api('inventory-cache-service').get(`/stock/${P}`)).data?.version >= level.version,
      { what: `the cache to show ${P} at version ${level.version}` },
    );
    const second = await tryCheckout(await checkoutBody([[P, 1]]));

    expect(await waitForTerminal(first)).toMatchObject({ status: 'CONFIRMED' });
    expect(second).toMatchObject({ status: 422, code: 'INSUFFICIENT_STOCK' });
    const orderIds = second.orderId && second.status === 202 ? [first, second.orderId] : [first];
    await assertInvariants({ initial, orderIds, recorded: recorder.messages, exactStock: true });
    expect(await stockOf(P)).toMatchObject({ available: 0, reserved: 0, sold: 1 });
  });
});

describe('a reservation whose stock.reserved never reached payment-service', () => {
  it("when payment-service holds the order and dead-lettered its stock.reserved, then inventory's copy after the expiry fails the payment RESERVATION_EXPIRED, uncharged, and the stock goes back", async () => {
    const { system: sys, recorder } = system();
    const P = 'sku-016';
    await setStock(P, 3);
    const initial = await levels();
    const redis = new Redis(sys.infra.redisUrl);
    const inventory = sys.services.processes.get('inventory-service')!.child;
    let orderId = '';
    const record = () => `payment:payments:${orderId}`;
    try {
      // Inventory paused, so the order reaches payment-service first.
      inventory.kill('SIGSTOP');
      try {
        orderId = (await placeOrder(await checkoutBody([[P, 1]]))).data.orderId as string;
        await waitFor(async () => (await api('payment-service').get(`/payments/${orderId}`)).data?.amount > 0, {
          what: "payment-service to hold the order's half",
        });
        // Its record turned into a string: the stock.reserved to come fails there (WRONGTYPE, not
        // a passing fault) on every try, and is dead-lettered.
        await redis.rename(record(), `${record()}:aside`);
        await redis.set(record(), 'not a payment');
      } finally {
        inventory.kill('SIGCONT');
      }
      const deadLettered = (m: RecordedMessage) =>
        m.topic === dlqTopic('payment-service') &&
        m.key === orderId &&
        m.headers['dlq-original-topic'] === 'stock.reserved';
      await waitFor(() => recorder.messages.some(deadLettered), {
        what: "payment-service to dead-letter the order's stock.reserved",
      });
      // One step (RENAME replaces the string): the sweeper asking in between would find no record,
      // which reads as never held, and release the stock without the copy this is about.
      await redis.rename(`${record()}:aside`, record());

      expect(await waitForTerminal(orderId)).toMatchObject({ status: 'FAILED', code: 'RESERVATION_EXPIRED' });
      const copies = recorder.messages.filter(
        (m) =>
          m.topic === 'stock.reserved' && m.key === orderId && m.headers[REANNOUNCED_HEADER]?.startsWith('expired:'),
      );
      expect(copies.length).toBeGreaterThanOrEqual(1);
      await assertInvariants({ initial, orderIds: [orderId], recorded: recorder.messages, exactStock: true });
      expect(await stockOf(P)).toMatchObject({ available: 3, reserved: 0, sold: 0 });
    } finally {
      redis.disconnect();
    }
  });
});
