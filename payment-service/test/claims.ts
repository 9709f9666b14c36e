import { randomUUID } from 'node:crypto';
import { buildPaymentFailed, createEvent } from '@checkout/contracts';
import type { Rig } from '../../test/support';
import { metricValue } from '../../test/support/metrics';
import { waitFor } from '../../test/support';
import type { PaymentStore } from '../src/store/payment-store';

/** Payment records set up straight in the store, as the handlers and the sweeper leave them. */

/** A claimed authorization of 1500 USD whose reservation expires in `expiresInMs`, under a lease of `leaseMs`. */
export async function claimed(store: PaymentStore, expiresInMs: number, leaseMs: number) {
  const orderId = `ord_${randomUUID()}`;
  const correlationId = randomUUID();
  await store.recordOrder({ orderId, amount: 1500, currency: 'USD', token: 'tok_visa', correlationId }, leaseMs);
  const claim = await store.recordReservation(
    { orderId, expiresAt: new Date(Date.now() + expiresInMs).toISOString(), correlationId },
    leaseMs,
  );
  expect(claim).toBeDefined();
  return claim!;
}

/**
 * A claimed payment failed RESERVATION_EXPIRED, as a resumed claim fails one whose gateway lists no
 * charge yet; with `recheckAt`, listed for its recheck then.
 */
export async function failedByResumedClaim(store: PaymentStore, { recheckAt }: { recheckAt?: number } = {}) {
  const claim = await claimed(store, 60_000, 60_000);
  const failure = { ok: false as const, code: 'RESERVATION_EXPIRED' as const, reason: 'expired', attempts: 0 };
  const event = createEvent(
    'payment.failed',
    buildPaymentFailed({ orderId: claim.orderId, code: failure.code, reason: failure.reason, attempts: 0 }),
    { source: '/test', correlationId: claim.correlationId },
  );
  expect(await store.complete(claim, failure, event, { recheckAt })).toBe('written');
  return claim;
}

/** The payment once it is decided (AUTHORIZED or FAILED). */
export const decided = (store: PaymentStore, orderId: string) =>
  waitFor(
    async () => {
      const p = await store.get(orderId);
      return p && (p.status === 'AUTHORIZED' || p.status === 'FAILED') ? p : undefined;
    },
    { timeoutMs: 15_000, what: 'the payment to be decided' },
  );

/** payment_stranded_charges_total as the rig's registry has it now. */
export const strandedCount = async (rig: Rig) =>
  metricValue(await rig.metrics.registry.metrics(), 'payment_stranded_charges_total');
