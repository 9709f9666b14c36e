import { z } from 'zod';
import { OrderId } from './common';
import { timestamp } from './doc-formats';
import { EVENT_TYPES } from './topics';

/** One notification sent (notification-service, GET /notifications?orderId=). */
export const NotificationView = z.object({
  id: z.string(),
  orderId: OrderId,
  /** `log` (no SMTP_URL) or `email`. */
  channel: z.string(),
  /** The customer's address; `unknown` for an order refused before it named one (validation). */
  to: z.string(),
  template: z.enum(['order-received', 'order-confirmed', 'order-failed']),
  subject: z.string(),
  sentAt: timestamp(z.string()),
});
export type NotificationView = z.infer<typeof NotificationView>;
export const NotificationList = z.object({ items: z.array(NotificationView) });
export type NotificationList = z.infer<typeof NotificationList>;

/** An event as the audit log shows it in an order's timeline; `data` is the event's, the payment token masked. */
export const AuditTimelineEvent = z.object({
  id: z.string(),
  type: z.enum(EVENT_TYPES),
  source: z.string(),
  time: timestamp(z.string()),
  data: z.unknown(),
});
/** GET /audit/orders/{orderId}: empty for an order it has no event of (it cannot tell unknown from not yet arrived). */
export const AuditTimeline = z.object({ orderId: z.string(), events: z.array(AuditTimelineEvent) });
export type AuditTimeline = z.infer<typeof AuditTimeline>;

/** GET /audit/events: the newest events, oldest of them first, with their subject and correlation id. */
export const AuditEvent = AuditTimelineEvent.extend({ subject: z.string(), correlationId: z.string() });
export type AuditEvent = z.infer<typeof AuditEvent>;
export const AuditEventList = z.object({ items: z.array(AuditEvent) });
export type AuditEventList = z.infer<typeof AuditEventList>;
