import { randomUUID } from 'node:crypto';

export const SOURCE = '/inventory-service';

/**
 * The CloudEvents attributes Node decides for an event a Lua script writes to the outbox, with the
 * traceparent of the handler or request it is written in (absent in the expiry sweeper). `id` is a
 * new uuid unless the caller has one that a re-run of the same call must find again.
 */
export const eventMeta = (correlationId: string, traceparent?: string, time = new Date(), id: string = randomUUID()) =>
  JSON.stringify({
    id,
    time: time.toISOString(),
    source: SOURCE,
    correlationId,
    ...(traceparent ? { traceparent } : {}),
  });
