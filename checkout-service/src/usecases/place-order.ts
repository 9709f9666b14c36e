import { AppError, dependencyUnavailable, traceFields, type Metrics, type RequestContext } from '@checkout/chassis';
import { createEvent, type CheckoutRequest, type CloudEvent } from '@checkout/contracts';
import type { ValidationClient } from '../clients/validation-client';
import { decideCheckout, type CheckoutResponse, type Decision } from '../domain/checkout-decision';
import { newOrderId } from '../domain/order-id';
import { countDecision, sagaMetrics } from '../domain/saga-metrics';
import { DEFAULT_MAX_UNPAID_ORDERS, tooManyUnpaidOrders } from '../domain/unpaid-orders';
import type { OrderStore } from '../store/order-store';
import type { AlsoSet } from '../store/order-write-types';

/**
 * The client hung up before its order was written: nothing was written or emitted. 499, the status
 * proxies log for a request whose client closed it; nobody is there to read the answer.
 */
export class ClientGone extends AppError {
  constructor() {
    super('CLIENT_CLOSED_REQUEST', 499, 'the client hung up before its order was written: nothing was recorded');
  }
}

/** The request's Idempotency-Key claim was gone by the time its order was written: nothing was written. */
export class IdempotencyKeyTaken extends Error {
  constructor() {
    super('the Idempotency-Key was taken by another request');
  }
}

export interface PlaceOrderDeps {
  validation: ValidationClient;
  orders: OrderStore;
  maxUnpaidOrders?: number;
  metrics?: Metrics;
}

export interface PlaceOrderOptions {
  /**
   * The id an accepted order takes when the request has an Idempotency-Key (orderIdForKey); taken
   * by an older order whose key expired, a fresh one is used instead. A refusal (422) always takes
   * a fresh one: it charged nothing a retry after a loss could repeat, and an order the retry does
   * accept must not share its id with the refusal's order.failed (validation may answer otherwise
   * the second time: the stock or the prices moved). Without it, always a fresh one.
   */
  orderId?: string;
  /** What the order's write also records (the Idempotency-Key's decision). */
  alsoRecord?: (response: CheckoutResponse) => AlsoSet;
  /** True once the client hung up: an order it can no longer hear of is not written (ClientGone). */
  clientGone?: () => boolean;
}

/**
 * Validates the cart, then records the order and the event announcing it in one write. A 503 from
 * validation or Redis, a customer at the unpaid-order cap (429), or a client that hung up (499)
 * throws before anything is written, so nothing is stored or emitted.
 */
export async function placeOrder(
  { validation, orders, metrics, maxUnpaidOrders = DEFAULT_MAX_UNPAID_ORDERS }: PlaceOrderDeps,
  req: CheckoutRequest,
  ctx: RequestContext,
  { orderId, alsoRecord, clientGone }: PlaceOrderOptions = {},
): Promise<CheckoutResponse> {
  // The cap's early answer is read while validation runs (both only read: one wait, not two),
  // and decides first: a customer at the cap gets 429 whatever validation says. The
  // authoritative check is the atomic one in orders.create. A cap of 0 is none: nothing to read.
  const validated = validation.validate(req.cart, ctx);
  validated.catch(() => undefined); // awaited below unless the cap answers first
  if (maxUnpaidOrders > 0 && (await orders.unpaidCount(req.customer.id)) >= maxUnpaidOrders)
    throw tooManyUnpaidOrders(maxUnpaidOrders);
  const result = await validated;
  const at = new Date().toISOString();
  const meta = { source: '/checkout-service', correlationId: ctx.correlationId, ...traceFields(ctx) };
  const decide = (id = newOrderId()) => decideCheckout(id, req, result, at);
  const write = async (decision: Decision) => {
    const event: CloudEvent =
      decision.event.type === 'order.created'
        ? createEvent('order.created', decision.event.data, meta)
        : createEvent('order.failed', decision.event.data, meta);
    const also = alsoRecord?.(decision.response);
    return orders.create(decision.order, [event], { maxUnpaid: maxUnpaidOrders, also, clientGone });
  };
  // A client that gave up (its timeout, a closed tab) saw a failure and may send the cart again:
  // an order written now would be one it never heard of, and a second one if it retries.
  if (clientGone?.()) {
    if (metrics) sagaMetrics(metrics).abandoned.inc();
    throw new ClientGone();
  }
  let decision = decide(orderId);
  if (decision.event.type !== 'order.created' && orderId !== undefined) decision = decide();
  let created = await write(decision);
  // An older order holds the id this key derives (its key expired): this request is a new one.
  if (created === 'id-taken') created = await write((decision = decide()));
  if (created === 'too-many-unpaid') throw tooManyUnpaidOrders(maxUnpaidOrders);
  if (created === 'expired') throw dependencyUnavailable('redis');
  if (created === 'key-taken') throw new IdempotencyKeyTaken();
  if (created !== 'created') throw new Error(`order ${decision.order.orderId} not stored: ${created}`);
  if (metrics) countDecision(metrics, decision.event);
  return decision.response;
}
