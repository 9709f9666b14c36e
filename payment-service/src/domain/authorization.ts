import type { PaymentFailureCode } from '@checkout/contracts';

/** What one authorization through the gateway came to, however many attempts it took. */
export type AuthorizationResult =
  | { ok: true; paymentId: string; attempts: number }
  | { ok: false; code: PaymentFailureCode; reason: string; attempts: number };

export interface ChargeRequest {
  orderId: string;
  amount: number;
  currency: string;
  token: string;
  /** ISO time after which the stock reservation is gone and the order must not be charged. */
  expiresAt: string;
}
