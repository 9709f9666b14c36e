import type { PendingNotification } from './notification';

export interface Rendered {
  subject: string;
  text: string;
}

const money = (cents: string | undefined, currency: string | undefined) =>
  cents === undefined ? '' : ` (${(Number(cents) / 100).toFixed(2)} ${currency ?? ''})`.replace(' )', ')');

/**
 * What a customer is told of each failure code. The reason events carry is written for operators
 * ("unexpected gateway answer (HTTP 500)", "card declined: insufficient_funds") and is not mailed.
 */
const FAILURE_TEXT: Record<string, string> = {
  INSUFFICIENT_FUNDS: 'your card was declined for insufficient funds',
  INVALID_CARD: 'your card was declined',
  GATEWAY_ERROR: 'we could not reach our payment provider; please try again in a few minutes',
  RESERVATION_EXPIRED: 'the payment took too long, so the items were put back on sale; please try again',
  INSUFFICIENT_STOCK: 'some items sold out before we could reserve them',
  UNKNOWN_PRODUCT: 'an item in it is no longer sold',
};

/**
 * Why an order failed, in a customer's words: by its code; a code this release does not know reads
 * as a fault of ours. A notification parked before codes were kept has only the reason.
 */
const failureText = ({ code, reason }: Record<string, string>): string =>
  code ? (FAILURE_TEXT[code] ?? 'something went wrong on our side') : (reason ?? 'unknown reason');

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
        text: `${hello}we could not complete your order ${orderId}: ${failureText(vars)}. You have not been charged.`,
      };
  }
}
