import { z } from 'zod';

/**
 * Card numbers as the schemes issue them: 13 to 19 digits whose first (2 Mastercard, 3 Amex,
 * Diners and JCB, 4 Visa, 5 Mastercard and Maestro, 6 Discover, UnionPay and Maestro) belongs to
 * a scheme and whose last is the Luhn check digit. `spaced` also finds them as they are printed
 * and typed, in groups split by single spaces or dashes; without it only a plain run of digits
 * counts, so that an id made of hex groups (a uuid, whose digit groups would join across its
 * dashes) is not taken for one.
 */
export function holdsCardNumber(text: string, { spaced = true }: { spaced?: boolean } = {}): boolean {
  const runs = text.match(spaced ? /\d(?:[ -]?\d)+/g : /\d+/g) ?? [];
  // A whole run, not every window of a longer one: a 19-digit id has some 28 windows of 13 to 19
  // digits, and one in ten numbers passes the Luhn check.
  return runs.some((run) => isCardNumber(run.replace(/[ -]/g, '')));
}

function isCardNumber(digits: string): boolean {
  if (digits.length < 13 || digits.length > 19 || digits[0]! < '2' || digits[0]! > '6') return false;
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = digits.charCodeAt(digits.length - 1 - i) - 48;
    if (i % 2 === 1) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
    sum += d;
  }
  return sum % 10 === 0;
}

const CARD_MESSAGE = 'must not hold a card number: a card goes to the payment gateway, which answers a token';

/** `schema`, refusing a value with a card number in it (the contract: no card number is stored, logged or emitted). */
export const withoutCardNumber = (schema: z.ZodString, options?: { spaced?: boolean }) =>
  schema.refine((text) => !holdsCardNumber(text, options), CARD_MESSAGE);

/**
 * Text a person typed (a name) or an id a shop gave, as a request may carry it: not blank, no
 * control characters (a NUL, a line break), no bidirectional overrides (which make a name read
 * differently from what it is), and well-formed Unicode (a lone surrogate, or U+FFFD where a body's
 * bytes were not UTF-8). Events keep the plainer schema, so that an event already on Kafka from
 * before these rules is not dead-lettered by them.
 */
export const humanText = (schema: z.ZodString) =>
  schema
    .refine((text) => text.trim() !== '', 'must not be blank')
    .refine((text) => !/[\p{Cc}\u202a-\u202e\u2066-\u2069]/u.test(text), 'must not hold control characters')
    .refine(
      (text) => !/\ufffd|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(text),
      'must be well-formed UTF-8 text',
    );
