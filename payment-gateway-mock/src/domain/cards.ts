export { luhnValid } from '@checkout/contracts';

export type Brand = 'visa' | 'mastercard' | 'amex' | 'unknown';
export type Behaviour = 'succeed' | 'insufficient_funds' | 'invalid_card' | 'gateway_error';

export function brandOf(digits: string): Brand {
  if (digits.startsWith('4')) return 'visa';
  const two = Number(digits.slice(0, 2));
  const four = Number(digits.slice(0, 4));
  if ((two >= 51 && two <= 55) || (four >= 2221 && four <= 2720)) return 'mastercard';
  if (two === 34 || two === 37) return 'amex';
  return 'unknown';
}

/** Test cards pick their outcome by their last four digits, as the gateway's documented test numbers do. */
export function behaviourOf(last4: string): Behaviour {
  switch (last4) {
    case '0000':
      return 'insufficient_funds';
    case '1111':
      return 'invalid_card';
    case '9999':
      return 'gateway_error';
    default:
      return 'succeed';
  }
}

/** A card is good through the last day of its expiry month (UTC). */
export const isExpired = (expMonth: number, expYear: number, now = new Date()): boolean =>
  expYear < now.getUTCFullYear() || (expYear === now.getUTCFullYear() && expMonth < now.getUTCMonth() + 1);
