import { randomUUID } from 'node:crypto';

/**
 * What ties work to the request or event that caused it: the correlation id, the event being
 * handled, the trace span. It is passed explicitly (the HTTP request carries it, a handler gets it
 * in its HandlerContext), not through AsyncLocalStorage: on Node 20 an active AsyncLocalStorage
 * runs a hook on every promise (~2% of checkout's CPU profile at 100 orders/s), and explicit
 * context shows in each signature what a call carries along.
 */
export interface RequestContext {
  correlationId: string;
  /** The id of the event being handled, when there is one. */
  causationId?: string;
  traceparent?: string;
}

const requestContexts = new WeakMap<object, RequestContext>();

/** Attaches its context to an HTTP request (the chassis app's correlation middleware does). */
export const setRequestContext = (req: object, ctx: RequestContext): void => {
  requestContexts.set(req, ctx);
};

/** The context of an HTTP request; a fresh correlation id for one that did not pass the chassis app. */
export const contextOf = (req: object): RequestContext => {
  let ctx = requestContexts.get(req);
  if (!ctx) {
    ctx = { correlationId: randomUUID() };
    requestContexts.set(req, ctx);
  }
  return ctx;
};

/** The traceparent as an optional field, for an event or a stored record to carry it on. */
export const traceFields = (ctx: RequestContext | undefined): { traceparent?: string } =>
  ctx?.traceparent ? { traceparent: ctx.traceparent } : {};

/** Correlation and trace headers for a call made on behalf of `ctx`. */
export const contextHeaders = (ctx: RequestContext | undefined): Record<string, string> => {
  if (!ctx) return {};
  return ctx.traceparent
    ? { 'x-correlation-id': ctx.correlationId, traceparent: ctx.traceparent }
    : { 'x-correlation-id': ctx.correlationId };
};
