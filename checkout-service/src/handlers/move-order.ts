import type { HandlerContext, Metrics } from '@checkout/chassis';
import type { CloudEvent } from '@checkout/contracts';
import type { Order } from '../domain/order';
import type { OrderChanges } from '../domain/order-changes';
import { observeTerminal } from '../domain/saga-metrics';
import { canMove } from '../domain/order-status';
import type { OrderStore, Transition } from '../store/order-store';

export interface HandlerDeps {
  orders: OrderStore;
  changes: OrderChanges;
  /** Where orders_confirmed/failed_total and saga_duration_seconds are counted. */
  metrics?: Metrics;
}

/**
 * Applies one forward move of the status projection. Unknown orders (never created here) and
 * moves that are not forward (late or duplicate events) change nothing and emit nothing; the Lua
 * script re-checks the rank, so a concurrent duplicate cannot slip between read and write.
 * The history entry is stamped when the move is recorded here, the moment GET /orders and the SSE
 * stream can show it, not with the causing event's time.
 */
export async function moveOrder(
  { orders, changes, metrics }: HandlerDeps,
  ctx: HandlerContext,
  orderId: string,
  change: Omit<Transition, 'at'>,
  causes?: (order: Order) => CloudEvent,
): Promise<void> {
  const order = await orders.get(orderId);
  if (!order) {
    ctx.log.warn({ orderId }, 'event for an unknown order ignored');
    return;
  }
  if (!canMove(order.status, change.status)) {
    ctx.log.info({ orderId, status: order.status, to: change.status }, 'late or duplicate event ignored');
    return;
  }
  const result = await orders.transition(orderId, { ...change, at: new Date().toISOString() }, causes?.(order));
  if (result !== 'applied') {
    ctx.log.info({ orderId, to: change.status, result }, 'late or duplicate event ignored');
    return;
  }
  ctx.log.info({ orderId, from: order.status, to: change.status }, 'order status changed');
  if (metrics && (change.status === 'CONFIRMED' || change.status === 'FAILED')) {
    observeTerminal(metrics, order, change.status, change.fields?.code, change.fields?.stage);
  }
  changes.notify(orderId);
}

/** A failure event from stock or payment: the order becomes FAILED and order.failed says why. */
export const failOrder = (
  deps: HandlerDeps,
  ctx: HandlerContext,
  stage: 'stock' | 'payment',
  { orderId, code, reason }: { orderId: string; code: string; reason: string },
): Promise<void> =>
  moveOrder(deps, ctx, orderId, { status: 'FAILED', fields: { stage, code, reason } }, () =>
    ctx.newEvent('order.failed', { orderId, stage, code, reason }),
  );
