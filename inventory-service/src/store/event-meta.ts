import { randomUUID } from 'node:crypto';

export const SOURCE = '/inventory-service';

/** The CloudEvents attributes Node decides for an event a Lua script writes to the outbox. */
export const eventMeta = (correlationId: string, time = new Date()) =>
  JSON.stringify({ id: randomUUID(), time: time.toISOString(), source: SOURCE, correlationId });
