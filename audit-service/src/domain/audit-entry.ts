import type { CloudEvent, EventType } from '@checkout/contracts';

/** An event as the audit log keeps it: its CloudEvents attributes and its data, nothing else. */
export interface AuditEntry {
  id: string;
  type: EventType;
  source: string;
  time: string;
  subject: string;
  correlationId: string;
  data: unknown;
}

/**
 * What the log keeps of a payment token: the contract's shape, none of its value. order.created
 * carries the token payment-service charges; the audit log keeps events for good and serves them
 * to anyone who knows an order id, and a token in it could be charged again.
 */
export const REDACTED_TOKEN = 'tok_redacted';

const withoutSecrets = (e: CloudEvent): unknown =>
  e.type === 'order.created'
    ? { ...(e.data as CloudEvent<'order.created'>['data']), payment: { token: REDACTED_TOKEN } }
    : e.data;

export const toAuditEntry = (e: CloudEvent): AuditEntry => ({
  id: e.id,
  type: e.type,
  source: e.source,
  time: e.time,
  subject: e.subject,
  correlationId: e.correlationId,
  data: withoutSecrets(e),
});

/** The order an event belongs to; stock.updated concerns a product and belongs to none. */
export const orderIdOf = (e: CloudEvent): string | undefined => {
  const orderId = (e.data as { orderId?: unknown }).orderId;
  return typeof orderId === 'string' ? orderId : undefined;
};

export const timelineItem = ({ id, type, source, time, data }: AuditEntry) => ({ id, type, source, time, data });
