import type { NotificationView } from '@checkout/contracts';

/** A notification sent, as GET /notifications lists it (the contract's NotificationView). */
export type Notification = NotificationView;
export type Template = Notification['template'];

/** Where a notification goes when the order never named a customer (validation failed first). */
export const UNKNOWN_RECIPIENT = 'unknown';

/** A notification waiting for its recipient: what the template needs, known when the event came. */
export interface PendingNotification {
  template: Template;
  orderId: string;
  vars: Record<string, string>;
}

/** `ada@example.com` → `a***@example.com`: enough to tell recipients apart in logs, not to mail them. */
export function maskAddress(to: string): string {
  const at = to.indexOf('@');
  if (at < 1) return to === UNKNOWN_RECIPIENT ? to : '***';
  return `${to[0]}***${to.slice(at)}`;
}
