import type { PendingNotification } from './notification';

export interface Rendered {
  subject: string;
  text: string;
}

const money = (cents: string | undefined, currency: string | undefined) =>
  cents === undefined ? '' : ` (${(Number(cents) / 100).toFixed(2)} ${currency ?? ''})`.replace(' )', ')');

/** The words of each message; amounts arrive in cents and are shown in units here only. */
export function render({ template, orderId, vars }: PendingNotification): Rendered {
  const hello = vars.name ? `Hello ${vars.name},\n\n` : '';
  switch (template) {
    case 'order-received':
      return {
        subject: `We received your order ${orderId}`,
        text: `${hello}we received your order ${orderId}${money(vars.total, vars.currency)} and are processing it.`,
      };
    case 'order-confirmed':
      return {
        subject: `Your order ${orderId} is confirmed`,
        text: `${hello}your order ${orderId}${money(vars.total, vars.currency)} is paid and confirmed.`,
      };
    case 'order-failed':
      return {
        subject: `We could not complete your order ${orderId}`,
        text: `${hello}we could not complete your order ${orderId}: ${vars.reason ?? 'unknown reason'}. You have not been charged.`,
      };
  }
}
