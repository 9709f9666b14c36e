import { createEvent, type CloudEvent, type EventData, type EventType } from '@checkout/contracts';
import type { RequestContext } from '../context';
import type { LevelLogger } from '../logger';

export interface HandlerContext {
  /**
   * Logs with the event's correlation id, type and id (`eventId`); the child logger behind it is
   * built on the first line written at an enabled level.
   */
  log: LevelLogger;
  /** The event's correlation id, its id, and the handler's span: for calls and records it causes. */
  trace: RequestContext;
  /** A new event caused by the one being handled: same correlation id, this service as source. */
  newEvent<T extends EventType>(type: T, data: EventData<T>): CloudEvent<T>;
  /**
   * Set when the event is a copy announced again (REANNOUNCED_HEADER, its value) because no answer
   * reached its sender, or because payment-service may never have got it (inventory's copies
   * `expired:<n>`): a service that handled it before answers again with what it answered first.
   * A plain redelivery is not: it changes nothing and emits nothing.
   */
  reannounced?: string;
  /**
   * One id per delivery of the event to this process, the same across the consumer's retries of
   * its handler (made on first use): a write that stamps it can tell, when a retry finds it, that
   * it was this delivery's own earlier run whose answer was lost (a Redis command that timed out
   * after it ran), not another worker's.
   */
  deliveryId(): string;
}

export type EventHandler<T extends EventType = EventType> = (
  event: CloudEvent<T>,
  ctx: HandlerContext,
) => Promise<void>;

export type HandlerMap = { [K in EventType]?: EventHandler<K> };

/** What a handler gets: `traceparent` is its span's (a child of the event's), so what it emits stays in the trace. */
export function handlerContext(
  service: string,
  event: CloudEvent,
  log: LevelLogger,
  traceparent: string,
  reannounced: string | undefined,
  deliveryId: () => string,
): HandlerContext {
  const source = `/${service}`;
  return {
    log,
    trace: { correlationId: event.correlationId, causationId: event.id, traceparent },
    newEvent: (type, data) => createEvent(type, data, { source, correlationId: event.correlationId, traceparent }),
    deliveryId,
    ...(reannounced !== undefined ? { reannounced } : {}),
  };
}
