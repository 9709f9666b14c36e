import { randomUUID } from 'node:crypto';
import { useRedisThroughProxy } from '../../test/support';
import { PaymentStore } from '../src/store/payment-store';

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
});
