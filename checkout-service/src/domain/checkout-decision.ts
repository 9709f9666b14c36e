import {
  promoCodeNames,
  withoutCardNumbers,
  type CheckoutRejected,
  type CheckoutRequest,
  type EventData,
  type ValidateResponse,
} from '@checkout/contracts';
import type { Order } from './order';

/** The HTTP answer a decision makes, kept whole so an idempotent retry can replay it. */
export interface CheckoutResponse {
  status: number;
  headers: Record<string, string>;
  body: unknown;
}

export type Decision =
  | { order: Order; event: { type: 'order.created'; data: EventData<'order.created'> }; response: CheckoutResponse }
  | { order: Order; event: { type: 'order.failed'; data: EventData<'order.failed'> }; response: CheckoutResponse };

/**
 * What a validated checkout becomes: a PENDING order announced by order.created (202), or an
 * order FAILED at validation announced by order.failed (422). Prices are the catalog's, never the client's.
 */
export function decideCheckout(orderId: string, req: CheckoutRequest, result: ValidateResponse, at: string): Decision {
  const { pricing } = result;
  const items = pricing.lines.map(({ productId, quantity, unitPrice }) => ({ productId, quantity, unitPrice }));
  const base = { orderId, items, total: pricing.total, currency: pricing.currency, customerId: req.customer.id };
  const first = result.errors[0];
  if (result.valid || !first) {
    return {
      order: { ...base, status: 'PENDING', history: [{ status: 'PENDING', at }] },
      event: {
        type: 'order.created',
        data: {
          orderId,
          customer: req.customer,
          items,
          subtotal: pricing.subtotal,
          discount: pricing.discount,
          total: pricing.total,
          currency: pricing.currency,
          // As priced: a valid cart's codes are all known; each once, named as the catalog names it.
          promoCodes: promoCodeNames(req.cart.promoCodes ?? []),
          payment: { token: req.payment.token },
        },
      },
      response: {
        status: 202,
        headers: { Location: `/orders/${orderId}` },
        body: { orderId, status: 'PENDING', total: pricing.total, currency: pricing.currency },
      },
    };
  }
  // An unknown product's id is the client's text, repeated in the reason, the stored order and the
  // answer an Idempotency-Key replays: never a card number there. A known one is the catalog's (a
  // GTIN can look like a card number) and stays as it is, so the client can match its line.
  const errors = result.errors.map((e) => (e.code === 'UNKNOWN_PRODUCT' ? withoutCardNumbersIn(e) : e));
  const reason = errors.map((e) => e.message).join('; ');
  return {
    order: {
      ...base,
      status: 'FAILED',
      stage: 'validation',
      code: first.code,
      reason,
      history: [{ status: 'FAILED', at }],
    },
    event: { type: 'order.failed', data: { orderId, stage: 'validation', code: first.code, reason } },
    response: {
      status: 422,
      headers: {},
      body: {
        error: 'VALIDATION_FAILED',
        message: `the cart did not pass validation: ${reason}`,
        orderId,
        details: errors,
      } satisfies CheckoutRejected,
    },
  };
}

const withoutCardNumbersIn = <T extends object>(detail: T): T =>
  Object.fromEntries(
    Object.entries(detail).map(([k, v]) => [k, typeof v === 'string' ? withoutCardNumbers(v) : v]),
  ) as T;
