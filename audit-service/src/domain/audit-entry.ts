import type { AuditEvent, CloudEvent, EventType } from '@checkout/contracts';

/**
 * An event as the audit log keeps it: its CloudEvents attributes and its data, nothing else (the
 * contract's AuditEvent, as GET /audit/events lists it).
 */
export type AuditEntry = AuditEvent;

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

/**
 * Where each event type falls in a saga, for events stamped in the same millisecond: the cause
 * before its effect (stock.released follows the payment.failed that released it).
 */
const SAGA_STEP: Record<EventType, number> = {
  'order.created': 0,
  'stock.updated': 0,
  'stock.reserved': 1,
  'stock.failed': 1,
  'payment.authorized': 2,
  'payment.failed': 2,
  'stock.released': 3,
  'order.confirmed': 3,
  'order.failed': 3,
};

/**
 * An order's events in the order they happened: by their `time`, then by saga step, then as
 * recorded. The order of recording alone says little: the log consumes every topic at once and
 * Kafka keeps no order across topics, so order.confirmed was often recorded before order.created.
 * Every event's time was stamped by the service that caused it after it had seen the event before,
 * on that service's clock: across hosts the order is as good as their clock sync (NTP keeps it to
 * a few ms; a saga step takes more than that).
 */
export function timeline(recorded: AuditEntry[]): AuditEntry[] {
  return (
    recorded
      // An event without a readable time goes last: NaN would make the comparison inconsistent and
      // the sort reorder the events that have one.
      .map((entry, index) => ({ entry, index, at: Date.parse(entry.time) || Number.POSITIVE_INFINITY }))
      .sort(
        (a, b) =>
          (a.at === b.at ? 0 : a.at < b.at ? -1 : 1) ||
          SAGA_STEP[a.entry.type] - SAGA_STEP[b.entry.type] ||
          a.index - b.index,
      )
      .map(({ entry }) => entry)
  );
}
