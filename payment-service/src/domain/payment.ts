import { DEFAULT_CURRENCY, type PaymentView } from '@checkout/contracts';

/** PROCESSING is internal: an authorization is claimed and running under a lease. */
export type PaymentStatus = 'PENDING' | 'PROCESSING' | 'AUTHORIZED' | 'FAILED';

export interface PaymentRecord {
  orderId: string;
  status: PaymentStatus;
  amount?: number;
  currency?: string;
  expiresAt?: string;
  attempts: number;
  paymentId?: string;
  code?: string;
  reason?: string;
}

/** A claimed authorization: everything needed to charge, and the lease owner that may finish it. */
export interface Claim {
  orderId: string;
  owner: string;
  amount: number;
  currency: string;
  token: string;
  expiresAt: string;
  correlationId: string;
  /** The trace the order belongs to (first half recorded wins), so the outcome event continues it. */
  traceparent?: string;
  /**
   * Taken over from a worker whose lease ran out (it died, paused or was stopped mid-charge): its
   * attempts may have reached the gateway, so a charge may exist that this worker never saw.
   */
  resumed?: boolean;
  /** The attempts earlier calls of this charge recorded (a resumed claim's): its `attempts` count on from them. */
  priorAttempts?: number;
}

/** Until order.created arrives the amount is unknown: the view says 0 rather than inventing one. */
export const toView = (p: PaymentRecord): PaymentView => ({
  orderId: p.orderId,
  status: p.status === 'PROCESSING' ? 'PENDING' : p.status,
  ...(p.paymentId ? { paymentId: p.paymentId } : {}),
  amount: p.amount ?? 0,
  currency: p.currency ?? DEFAULT_CURRENCY,
  attempts: p.attempts,
  ...(p.code ? { code: p.code } : {}),
});
