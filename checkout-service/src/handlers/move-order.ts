import type { HandlerContext, Metrics } from '@checkout/chassis';
import type { CloudEvent, Shortage } from '@checkout/contracts';
import type { OrderFacts } from '../domain/order';
import type { OrderChanges } from '../domain/order-changes';
import { observeTerminal } from '../domain/saga-metrics';
import type { OrderStore } from '../store/order-store';
import type { Transition, TransitionResult } from '../store/order-write-types';

export interface HandlerDeps {
  orders: OrderStore;
  changes: OrderChanges;
  /** Where orders_confirmed/failed_total and saga_duration_seconds are counted. */
  metrics?: Metrics;
}

/**
 * Applies one forward move of the status projection. Unknown orders (never created here) and
 * moves that are not forward (late or duplicate events) change nothing and emit nothing: the Lua
 * script checks the rank in the same step as the write, so nothing is read first. A terminal move
 * needs the order's facts (the event it causes, the saga's duration), which the store keeps for
 * the orders it created. The history entry is stamped when the move is recorded here, the moment
 * GET /orders and the SSE stream can show it, not with the causing event's time.
 */
export async function moveOrder(
  { orders, changes, metrics }: HandlerDeps,
  ctx: HandlerContext,
  orderId: string,
  change: Omit<Transition, 'at'>,
  causes?: (order: OrderFacts) => CloudEvent,
): Promise<TransitionResult> {
  const { status } = change;
  const terminal = status === 'CONFIRMED' || status === 'FAILED';
  const needsFacts = terminal || causes !== undefined;
  const facts = needsFacts ? await orders.facts(orderId) : undefined;
  const result =
    needsFacts && !facts
      ? 'unknown'
      : await orders.transition(orderId, { ...change, at: new Date().toISOString() }, facts && causes?.(facts));
  if (result === 'unknown') {
    ctx.log.warn({ orderId }, 'event for an unknown order ignored');
    return result;
  }
  if (result === 'ignored') {
    ctx.log.info({ orderId, to: status }, 'late or duplicate event ignored');
    return result;
  }
  ctx.log.info({ orderId, to: status }, 'order status changed');
  if (metrics && facts && terminal) observeTerminal(metrics, facts, status, change.fields?.code, change.fields?.stage);
  changes.notify(orderId);
  return result;
}

/**
 * A failure event from stock or payment: the order becomes FAILED and order.failed says why.
 * Stock's shortages are kept on the order, so a UI can name the lines that ran out after the 202
 * as it can those of a 422 (order.failed, the contract's, carries only the text).
 */
export const failOrder = (
  deps: HandlerDeps,
  ctx: HandlerContext,
  stage: 'stock' | 'payment',
  { orderId, code, reason, shortages }: { orderId: string; code: string; reason: string; shortages?: Shortage[] },
): Promise<TransitionResult> =>
  moveOrder(deps, ctx, orderId, { status: 'FAILED', fields: { stage, code, reason, shortages } }, () =>
    ctx.newEvent('order.failed', { orderId, stage, code, reason }),
  );
