import { randomInt } from 'node:crypto';
import type { Response } from 'express';
import { trackStream } from '@checkout/chassis';
import type { Order } from '../domain/order';
import { isTerminal } from '../domain/order-status';
import type { OrderWatch } from '../store/order-watch';

/** Event `i` of the stream is history entry `i`: its `id:`, so a reconnecting client says where it was. */
const statusEvent = (order: Order, i: number): string => {
  const entry = order.history[i]!;
  const failed = entry.status === 'FAILED';
  const data = {
    orderId: order.orderId,
    status: entry.status,
    ...(failed && order.code !== undefined ? { code: order.code } : {}),
    ...(failed && order.reason !== undefined ? { reason: order.reason } : {}),
    ...(failed && order.shortages !== undefined ? { shortages: order.shortages } : {}),
    at: entry.at,
  };
  // The id between event and data: a reader that splits a block at its data line still gets the JSON.
  return `event: status\nid: ${i}\ndata: ${JSON.stringify(data)}\n\n`;
};

/**
 * The history entry a reconnecting client got last, from its `Last-Event-ID` (EventSource sends the
 * last `id:` it saw); undefined when absent or not an entry of this order, and then the stream
 * starts from the first entry, as for a new client.
 */
export function lastSeenEntry(lastEventId: string | undefined, order: Order): number | undefined {
  if (lastEventId === undefined || !/^\d{1,6}$/.test(lastEventId)) return undefined;
  const i = Number(lastEventId);
  return i < order.history.length ? i : undefined;
}

/** The client asked for Server-Sent Events, as EventSource always does. */
export const wantsEventStream = (accept: string | undefined): boolean => /\btext\/event-stream\b/i.test(accept ?? '');

/**
 * An event stream that only says when to reconnect (`retry:`, between `retryMs` and twice that, so
 * that the clients of a restarted instance do not all come back in the same second) and ends. A
 * browser's EventSource treats any answer but 200 and 204 as the end for good, so a 503 (Redis
 * unreachable just after a restart, no room for another stream) would leave a page without its
 * order's status; this brings it back when asked, with its `Last-Event-ID`. The comment line names
 * the reason for whoever reads the stream by hand.
 */
export function reconnectLater(res: Response, code: string, retryMs: number): void {
  const retry = retryMs + randomInt(retryMs + 1);
  res
    .status(200)
    .set({ 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache' })
    .end(`: ${code}, reconnect in ${retry} ms\nretry: ${retry}\n\n`);
}

/**
 * Server-Sent Events: one `status` event per change (read from the history, so quick successive
 * changes are all sent), closing after a terminal status, or when the service shuts down. A new
 * client gets the changes already made first: a saga usually ends within milliseconds of the 202,
 * before a page can open its stream, and a stream that began at the current status showed such a
 * page CONFIRMED alone, never the steps before it. Each event's `id:` is its history index. A
 * client that reconnects with `Last-Event-ID` gets only the entries after it (none again), and
 * once it has the terminal one, 204, which tells EventSource to stop reconnecting: closing the
 * stream alone makes a browser's EventSource reconnect every few seconds for as long as the page is
 * open. While the order waits, a comment line every `keepAliveMs` (`: keep-alive`, which clients
 * ignore) keeps proxies and load balancers that cut idle connections from ending the stream.
 */
export function streamOrderStatus(
  res: Response,
  initial: Order,
  watch: OrderWatch,
  keepAliveMs: number,
  lastEventId?: string,
): void {
  const seen = lastSeenEntry(lastEventId, initial);
  let sent = seen === undefined ? 0 : seen + 1;
  if (sent >= initial.history.length && isTerminal(initial.status)) return void res.status(204).end();
  // X-Accel-Buffering: nginx (and ingress-nginx) would otherwise hold the stream's events in its buffer.
  res.status(200).set({
    'Content-Type': 'text/event-stream',
    'Cache-Control': 'no-cache',
    Connection: 'keep-alive',
    'X-Accel-Buffering': 'no',
  });
  res.flushHeaders();
  for (; sent < initial.history.length; sent++) res.write(statusEvent(initial, sent));
  if (isTerminal(initial.status)) return void res.end();
  // A client gone before this point has already had its close.
  if (res.destroyed) return;

  const beat = setInterval(() => res.write(': keep-alive\n\n'), keepAliveMs);
  const finish = (): void => {
    stop();
    res.end();
  };
  const stop = (): void => {
    clearInterval(beat);
    unwatch();
  };
  const unwatch = watch.watch(initial.orderId, (order) => {
    if (res.writableEnded) return;
    // Gone from the store (a Redis that lost its data): no change will ever come. The client's
    // reconnect gets the 404 instead of waiting on a stream that polls for good.
    if (!order) return finish();
    for (; sent < order.history.length; sent++) res.write(statusEvent(order, sent));
    if (isTerminal(order.status)) finish();
  });
  res.on('close', stop);
  trackStream(res, finish);
}
