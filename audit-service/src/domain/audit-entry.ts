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

export const toAuditEntry = (e: CloudEvent): AuditEntry => ({
  id: e.id,
  type: e.type,
  source: e.source,
  time: e.time,
  subject: e.subject,
  correlationId: e.correlationId,
  data: e.data,
});

/** The order an event belongs to; stock.updated concerns a product and belongs to none. */
export const orderIdOf = (e: CloudEvent): string | undefined => {
  const orderId = (e.data as { orderId?: unknown }).orderId;
  return typeof orderId === 'string' ? orderId : undefined;
};

export const timelineItem = ({ id, type, source, time, data }: AuditEntry) => ({ id, type, source, time, data });
