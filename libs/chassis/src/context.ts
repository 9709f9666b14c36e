import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';

export interface RequestContext {
  correlationId: string;
  /** The id of the event being handled, when there is one. */
  causationId?: string;
  traceparent?: string;
}

const storage = new AsyncLocalStorage<RequestContext>();

export const runWithContext = <R>(ctx: RequestContext, fn: () => R): R => storage.run(ctx, fn);

export const currentContext = (): RequestContext | undefined => storage.getStore();

export const currentCorrelationId = (): string => storage.getStore()?.correlationId ?? randomUUID();

/** The current traceparent as an optional field, for an event or a stored record to carry it on. */
export const currentTrace = (): { traceparent?: string } => {
  const traceparent = storage.getStore()?.traceparent;
  return traceparent ? { traceparent } : {};
};
