import { z } from 'zod';

/** Luhn's check: the last digit of a card number checks the others. */
export function luhnValid(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = digits.charCodeAt(digits.length - 1 - i) - 48;
    if (i % 2 === 1) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
    sum += d;
  }
  return sum % 10 === 0;
}

/**
 * The schemes' number ranges: issuer prefixes and the lengths cards are issued in (Visa,
 * Mastercard, Amex, Diners, Discover, JCB, UnionPay; the 17- and 18-digit lengths their rules allow
 * are left out: not issued, and where snowflake ids of 2017 fall). A number must fit one, so a
 * numeric id or a timestamp of 13 to 19 digits is one only when its prefix and length are a
 * scheme's and its check digit holds.
 */
const SCHEMES: { from: number; to: number; digits: number; lengths: number[] }[] = [
  { from: 4, to: 4, digits: 1, lengths: [13, 16, 19] },
  { from: 51, to: 55, digits: 2, lengths: [16] },
  { from: 2221, to: 2720, digits: 4, lengths: [16] },
  { from: 34, to: 34, digits: 2, lengths: [15] },
  { from: 37, to: 37, digits: 2, lengths: [15] },
  { from: 300, to: 305, digits: 3, lengths: [14, 16] },
  { from: 36, to: 36, digits: 2, lengths: [14, 16] },
  { from: 38, to: 39, digits: 2, lengths: [14, 16] },
  { from: 6011, to: 6011, digits: 4, lengths: [16, 19] },
  { from: 644, to: 649, digits: 3, lengths: [16, 19] },
  { from: 65, to: 65, digits: 2, lengths: [16, 19] },
  { from: 3528, to: 3589, digits: 4, lengths: [16, 19] },
  { from: 62, to: 62, digits: 2, lengths: [16, 19] },
];

function isCardNumber(digits: string): boolean {
  return (
    SCHEMES.some((s) => {
      const prefix = Number(digits.slice(0, s.digits));
      return prefix >= s.from && prefix <= s.to && s.lengths.includes(digits.length);
    }) && luhnValid(digits)
  );
}

/**
 * Where a card number can be: a run of 13 to 19 digits, or digits in groups of 4 (Amex and Diners:
 * 4-6-5 and 4-6-4) split by one space, dot, dash or underscore, as cards are printed and typed. A
 * run counts only whole, with no letter or digit next to it: digits inside hex text (a random key, a
 * trace id) or the groups of a uuid (8-4-4-4-12) are not one, nor is a window of a longer number.
 */
const CANDIDATE =
  /(?<![\p{L}\p{N}])(?:\d{13,19}|\d{4}([\s._-])\d{4}\1\d{4}\1\d{1,4}(?:\1\d{1,3})?|\d{4}([\s._-])\d{6}\2\d{4,5})(?![\p{L}\p{N}])/gu;

/**
 * Whether text holds a card number. Full-width digits (an IME's) count as digits. Typed in groups,
 * a number followed by more digits (an expiry `12 27`) is found by its first groups.
 */
export function holdsCardNumber(text: string): boolean {
  for (const match of text.normalize('NFKC').matchAll(CANDIDATE)) {
    const groups = match[0].split(/[\s._-]/);
    let digits = '';
    for (const group of groups) {
      digits += group;
      if (digits.length >= 13 && isCardNumber(digits)) return true;
    }
  }
  return false;
}

/** Text with every card number in it replaced, for what is logged or stored of a client's input. */
export const withoutCardNumbers = (text: string): string =>
  holdsCardNumber(text)
    ? text.normalize('NFKC').replace(CANDIDATE, (m) => (holdsCardNumber(m) ? '[card number]' : m))
    : text;

const CARD_MESSAGE = 'must not hold a card number: a card goes to the payment gateway, which answers a token';

/** `schema`, refusing a value with a card number in it (the contract: no card number is stored, logged or emitted). */
export const withoutCardNumber = <S extends z.ZodType<string>>(schema: S): S =>
  schema.refine((text) => !holdsCardNumber(text), CARD_MESSAGE);
