import { createEvent, type CloudEvent } from '@checkout/contracts';
import type { AuthorizationResult } from '../domain/authorization';
import type { Claim } from '../domain/payment';

const SOURCE = '/payment-service';

const meta = (correlationId: string, traceparent: string) => ({ source: SOURCE, correlationId, traceparent });

/** The outcome of a claimed charge: payment.authorized, or payment.failed with the result's code. */
export function outcomeEvent(claim: Claim, result: AuthorizationResult, traceparent: string): CloudEvent {
  const { orderId, correlationId } = claim;
  return result.ok
    ? createEvent(
        'payment.authorized',
        {
          orderId,
          paymentId: result.paymentId,
          amount: claim.amount,
          currency: claim.currency,
          attempts: result.attempts,
        },
        meta(correlationId, traceparent),
      )
    : createEvent(
        'payment.failed',
        { orderId, code: result.code, reason: result.reason, attempts: result.attempts },
        meta(correlationId, traceparent),
      );
}

/** The payment.failed of a reservation that expired before its order reached payment: no charge was tried. */
export const expiredAwaitingEvent = (orderId: string, correlationId: string, traceparent: string) =>
  createEvent(
    'payment.failed',
    {
      orderId,
      code: 'RESERVATION_EXPIRED',
      reason: 'the stock reservation expired before the order reached payment',
      attempts: 0,
    },
    meta(correlationId, traceparent),
  );
