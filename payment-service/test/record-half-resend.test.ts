import { randomUUID } from 'node:crypto';
import { useRedisThroughProxy } from '../../test/support';
import { createLogger, type HandlerContext } from '@checkout/chassis';
import { createEvent } from '@checkout/contracts';
import type { Claim } from '../src/domain/payment';
import { onStockReserved } from '../src/handlers/on-stock-reserved';
import { PaymentStore } from '../src/store/payment-store';
import type { PaymentAuthorizer } from '../src/usecases/authorize-payment';

// ioredis re-sends a script whose answer a dropped connection lost, once it has reconnected. The
// re-sent RECORD_HALF then meets the claim its own first run made: that is still this call's
// claim, so the charge must start now, not after the lease ran out and the sweeper took it over.
const through = useRedisThroughProxy('payment-resend');

describe("payments — the claim's answer lost on a dropped connection", () => {
  it('when the RECORD_HALF answer that claimed the authorization is lost and ioredis re-sends it, then the call still gets its claim', async () => {
    const prefix = `payment-resend-${randomUUID()}`;
    const store = new PaymentStore(through.redis, { stream: `${prefix}:outbox`, kick: () => undefined }, prefix);
    const orderId = `ord_${randomUUID()}`;
    const correlationId = randomUUID();
    const expiresAt = new Date(Date.now() + 60_000).toISOString();
    // Redis knows the script afterwards, so the reservation's half below is one EVALSHA.
    await store.recordOrder({ orderId, amount: 1500, currency: 'USD', token: 'tok_visa', correlationId }, 60_000);

    const dropped = through.proxy.dropNextReply();
    const claim = await store.recordReservation({ orderId, expiresAt, correlationId }, 60_000);

    expect(dropped()).toBe(true);
    expect(claim).toMatchObject({ orderId, amount: 1500, currency: 'USD', token: 'tok_visa', expiresAt });
    expect(await store.get(orderId)).toMatchObject({ status: 'PROCESSING' });
  });

  it("when RECORD_HALF runs again with its first run's owner (the same delivery), then it gets that claim; another owner gets none", async () => {
    const prefix = `payment-rerun-${randomUUID()}`;
    const store = new PaymentStore(through.redis, { stream: `${prefix}:outbox`, kick: () => undefined }, prefix);
    const orderId = `ord_${randomUUID()}`;
    const correlationId = randomUUID();
    const expiresAt = new Date(Date.now() + 60_000).toISOString();
    const reservation = { orderId, expiresAt, correlationId };
    await store.recordOrder({ orderId, amount: 1500, currency: 'USD', token: 'tok_visa', correlationId }, 60_000);
    // The first run claimed, but its answer never reached the handler, which the consumer retries.
    expect(await store.recordReservation(reservation, 60_000, { owner: 'delivery-1' })).toBeDefined();
    expect(await store.recordReservation(reservation, 60_000, { owner: 'delivery-1' })).toMatchObject({
      orderId,
      owner: 'delivery-1',
    });
    // Another delivery of the event (another worker) gets no claim: the first one is charging.
    expect(await store.recordReservation(reservation, 60_000, { owner: 'delivery-2' })).toBeUndefined();
  });

  it('when the stock.reserved handler fails on a timed-out claim whose script ran, then its retry claims and starts the charge', async () => {
    const prefix = `payment-handler-rerun-${randomUUID()}`;
    const store = new PaymentStore(through.redis, { stream: `${prefix}:outbox`, kick: () => undefined }, prefix);
    const orderId = `ord_${randomUUID()}`;
    const correlationId = randomUUID();
    await store.recordOrder({ orderId, amount: 1500, currency: 'USD', token: 'tok_visa', correlationId }, 60_000);
    let timedOut = false;
    const lossy = Object.assign(Object.create(store) as PaymentStore, {
      recordReservation: async (...args: Parameters<PaymentStore['recordReservation']>) => {
        const claim = await store.recordReservation(...args);
        if (timedOut) return claim;
        timedOut = true;
        throw new Error('Command timed out');
      },
    });
    const started: Claim[] = [];
    const authorizer = { leaseMs: 60_000, start: (c: Claim) => void started.push(c) } as unknown as PaymentAuthorizer;
    const handle = onStockReserved(lossy, authorizer);
    const event = createEvent(
      'stock.reserved',
      {
        orderId,
        items: [{ productId: 'sku-001', quantity: 1 }],
        levels: [{ productId: 'sku-001', available: 0, version: 1 }],
        expiresAt: new Date(Date.now() + 60_000).toISOString(),
      },
      { source: '/inventory-service', correlationId },
    );
    const ctx: HandlerContext = {
      log: createLogger('test', 'silent'),
      trace: { correlationId, causationId: event.id },
      newEvent: (type, data) => createEvent(type, data, { source: '/payment-service', correlationId }),
      deliveryId: () => 'one-delivery',
    };
    await expect(handle(event, ctx)).rejects.toThrow('Command timed out');
    await handle(event, ctx); // the consumer's retry of the same delivery
    expect(started.map((c) => [c.orderId, c.owner])).toEqual([[orderId, 'one-delivery']]);
  });
});
