import { randomUUID } from 'node:crypto';

export const SOURCE = '/inventory-service';

/**
 * The CloudEvents attributes Node decides for an event a Lua script writes to the outbox, with the
 * traceparent of the handler or request it is written in (absent in the expiry sweeper).
 */
export const eventMeta = (correlationId: string, traceparent?: string, time = new Date()) =>
  JSON.stringify({
    id: randomUUID(),
    time: time.toISOString(),
    source: SOURCE,
    correlationId,
    ...(traceparent ? { traceparent } : {}),
  });
