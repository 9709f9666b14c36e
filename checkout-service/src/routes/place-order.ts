import { randomUUID } from 'node:crypto';
import type { ChainableCommander } from 'ioredis';
import { currentContext, currentCorrelationId } from '@checkout/chassis';
import { createEvent, type CheckoutRequest, type CloudEvent } from '@checkout/contracts';
import type { ValidationClient } from '../clients/validation-client';
import { decideCheckout, type CheckoutResponse } from '../domain/checkout-decision';
import type { OrderStore } from '../store/order-store';

export interface PlaceOrderDeps {
  validation: ValidationClient;
  orders: OrderStore;
}

/**
 * Validates the cart, then records the order and the event announcing it in one write. A 503 from
 * validation throws before anything is written, so nothing is stored or emitted.
 */
export async function placeOrder(
  { validation, orders }: PlaceOrderDeps,
  req: CheckoutRequest,
  alsoRecord?: (multi: ChainableCommander, response: CheckoutResponse) => void,
): Promise<CheckoutResponse> {
  const result = await validation.validate(req.cart);
  const decision = decideCheckout(`ord_${randomUUID()}`, req, result, new Date().toISOString());
  const traceparent = currentContext()?.traceparent;
  const meta = {
    source: '/checkout-service',
    correlationId: currentCorrelationId(),
    ...(traceparent ? { traceparent } : {}),
  };
  const event: CloudEvent =
    decision.event.type === 'order.created'
      ? createEvent('order.created', decision.event.data, meta)
      : createEvent('order.failed', decision.event.data, meta);
  await orders.create(decision.order, [event], (multi) => alsoRecord?.(multi, decision.response));
  return decision.response;
}
