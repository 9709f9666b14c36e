import { Router } from 'express';
import type { Logger } from 'pino';
import { AppError, notFound, toErrorResponse } from '@checkout/chassis';
import type { OrderChanges } from '../domain/order-changes';
import { toView } from '../domain/order';
import type { OrderStore } from '../store/order-store';
import { OrderWatch } from '../store/order-watch';
import { reconnectLater, streamOrderStatus, wantsEventStream } from './order-status-stream';

export interface OrdersRouterDeps {
  orders: OrderStore;
  changes: OrderChanges;
  /** Fallback poll for changes made by another instance. */
  statusPollMs?: number;
  /** Status streams this instance holds open at most; past it, 503 (each is a socket). */
  maxStreams?: number;
  /** How often an open status stream sends a comment line while its order waits. */
  keepAliveMs?: number;
  logger?: Logger;
}

/** A stream idle this long gets a comment line, so that proxies that cut idle connections keep it. */
export const DEFAULT_KEEP_ALIVE_MS = 15_000;

export const DEFAULT_MAX_STREAMS = 10_000;

/** Seconds a client refused a stream for want of room is told to wait. */
const TOO_MANY_STREAMS_RETRY_S = 5;

export function ordersRouter(deps: OrdersRouterDeps): Router {
  const router = Router();
  const watch = new OrderWatch(deps);
  const maxStreams = deps.maxStreams ?? DEFAULT_MAX_STREAMS;
  router.get('/orders/:orderId', async (req, res) => {
    const order = await deps.orders.get(req.params.orderId);
    if (!order) throw notFound('order', req.params.orderId, 'orderId');
    res.json(toView(order));
  });
  router.get('/orders/:orderId/events', async (req, res) => {
    try {
      if (watch.streams >= maxStreams) {
        res.set('Retry-After', String(TOO_MANY_STREAMS_RETRY_S));
        throw new AppError('TOO_MANY_STREAMS', 503, `this instance holds ${maxStreams} status streams, its most`);
      }
      const order = await deps.orders.get(req.params.orderId);
      if (!order) throw notFound('order', req.params.orderId, 'orderId');
      streamOrderStatus(res, order, watch, deps.keepAliveMs ?? DEFAULT_KEEP_ALIVE_MS, req.get('Last-Event-ID'));
    } catch (err) {
      // A browser's EventSource gives up for good on a 503 and ignores Retry-After; told over the
      // stream itself, it reconnects when asked, with its Last-Event-ID. Other clients get the 503.
      const { status, body } = toErrorResponse(err);
      if (status !== 503 || !wantsEventStream(req.get('Accept'))) throw err;
      const retryS = body.error === 'TOO_MANY_STREAMS' ? TOO_MANY_STREAMS_RETRY_S : 1;
      deps.logger?.warn({ code: body.error, reason: body.message }, 'status stream told to reconnect later');
      reconnectLater(res, body.error, retryS * 1000);
    }
  });
  return router;
}
