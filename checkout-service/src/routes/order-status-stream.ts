import type { Response } from 'express';
import { trackStream } from '@checkout/chassis';
import type { Order } from '../domain/order';
import type { OrderChanges } from '../domain/order-changes';
import { isTerminal } from '../domain/order-status';
import type { OrderStore } from '../store/order-store';

interface StreamDeps {
  orders: OrderStore;
  changes: OrderChanges;
  statusPollMs?: number;
}

const statusEvent = (order: Order, i: number): string => {
  const entry = order.history[i]!;
  const failed = entry.status === 'FAILED';
  const data = {
    orderId: order.orderId,
    status: entry.status,
    ...(failed && order.code !== undefined ? { code: order.code } : {}),
    ...(failed && order.reason !== undefined ? { reason: order.reason } : {}),
    at: entry.at,
  };
  return `event: status\ndata: ${JSON.stringify(data)}\n\n`;
};

/**
 * Server-Sent Events: the current status, then one `status` event per change (read from the
 * history, so quick successive changes are all sent), closing after a terminal status, or when
 * the service shuts down (the client reconnects and gets the current status first).
 */
export function streamOrderStatus(res: Response, initial: Order, deps: StreamDeps): void {
  res.status(200).set({ 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache', Connection: 'keep-alive' });
  res.flushHeaders();
  res.write(statusEvent(initial, initial.history.length - 1));
  if (isTerminal(initial.status)) return void res.end();

  let sent = initial.history.length;
  let reading = false;
  let again = false;
  const refresh = async (): Promise<void> => {
    if (reading) return void (again = true);
    reading = true;
    try {
      do {
        again = false;
        const order = await deps.orders.get(initial.orderId);
        if (res.writableEnded) return;
        // Gone from the store (a Redis that lost its data): no change will ever come. The client's
        // reconnect gets the 404 instead of waiting on a stream that polls for good.
        if (!order) return finish();
        for (; sent < order.history.length; sent++) res.write(statusEvent(order, sent));
        if (isTerminal(order.status)) return finish();
      } while (again);
    } catch {
      // Redis hiccup: the next notice or poll tries again.
    } finally {
      reading = false;
    }
  };
  const unsubscribe = deps.changes.subscribe(initial.orderId, () => void refresh());
  const poll = setInterval(() => void refresh(), deps.statusPollMs ?? 500);
  const cleanup = (): void => {
    unsubscribe();
    clearInterval(poll);
  };
  const finish = (): void => {
    cleanup();
    res.end();
  };
  res.on('close', cleanup);
  // A client gone before this point has already had its close.
  if (res.destroyed) return cleanup();
  trackStream(res, finish);
  // A change between the first read and subscribing would otherwise wait for the poll.
  void refresh();
}
