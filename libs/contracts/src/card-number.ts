import { z } from 'zod';
import { whenValidSoFar } from './text';

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
 * Whether digits are a card number: a Luhn check digit, and a length and prefix cards are issued
 * with. 16 and 19 digits starting 2 to 6 are most schemes' (Visa, Mastercard and Mir, Discover,
 * JCB, UnionPay, Maestro, Elo, Hipercard, Dankort, Verve, RuPay; 81 and 82 RuPay's too, 9792
 * Troy's); 15 digits are Amex's (34, 37), 14 Diners' (300–305, 36, 38, 39). Other lengths are not
 * taken for one: 13-digit Visas are no longer issued, while 13-digit ids, EAN-13 codes and phone
 * numbers are common, and 17 and 18 digits are where snowflake ids fall.
 */
function isCardNumber(digits: string): boolean {
  const two = Number(digits.slice(0, 2));
  const three = Number(digits.slice(0, 3));
  const issued =
    digits.length === 16 || digits.length === 19
      ? (digits[0]! >= '2' && digits[0]! <= '6') || two === 81 || two === 82 || digits.startsWith('9792')
      : digits.length === 15
        ? two === 34 || two === 37
        : digits.length === 14
          ? (three >= 300 && three <= 305) || [36, 38, 39].includes(two)
          : false;
  return issued && luhnValid(digits);
}

/** Any script's decimal digit; ASCII ones are left as they are. */
const OTHER_DIGIT = /(?![0-9])\p{Nd}/gu;
const DECIMAL_DIGIT = /^\p{Nd}$/u;
const digitValues = new Map<string, string>();

/**
 * A decimal digit's value in any script: Unicode gives each script's digits as runs of ten
 * consecutive code points from 0 to 9, some runs next to each other, so the value is the distance
 * from the start of its run, modulo ten.
 */
function digitValue(digit: string): string {
  let value = digitValues.get(digit);
  if (value === undefined) {
    const cp = digit.codePointAt(0)!;
    let start = cp;
    while (DECIMAL_DIGIT.test(String.fromCodePoint(start - 1))) start--;
    value = String((cp - start) % 10);
    digitValues.set(digit, value);
  }
  return value;
}

/** Invisible characters (zero-width space and joiners, soft hyphen, word joiner, BOM) between two digits. */
const INVISIBLE_BETWEEN_DIGITS = /(?<=\d)\p{Cf}+(?=\d)/gu;

/**
 * Text as a card number would be read off it: full-width digits (NFKC) and every other script's
 * digits as ASCII, with nothing invisible between digits.
 */
const asAsciiDigits = (text: string): string =>
  text.normalize('NFKC').replace(OTHER_DIGIT, digitValue).replace(INVISIBLE_BETWEEN_DIGITS, '');

/**
 * Between printed groups: up to eight characters that are neither a letter nor a digit (spaces,
 * no-break spaces, any dash, dots, slashes, quotes, stars, bullets, brackets …: which mark someone
 * types between groups is not a rule to enumerate), or the long-vowel mark a Japanese keyboard
 * types for a dash (`ー`, a letter to Unicode).
 */
const SEP = String.raw`(?:[^\p{L}\p{N}]|\u30fc){1,8}`;

/**
 * Where a card number can be, as cards are printed and typed: a plain run of digits; groups of 4
 * (a number can sit among them: an expiry year before, more digits after; the last group of an
 * Amex typed in fours has 3); or 4-4-8, 4-6-5, 4-6-4, 5-5-5, 4-8-4 and 8-8. Only these layouts:
 * two unrelated numbers side by side (a date and a counter, a user id and a timestamp) are not
 * read as one. A candidate counts only whole, with no letter or digit next to it: digits inside
 * hex text (a random key, a trace id) and a uuid's groups (8-4-4-4-12, which none of these
 * layouts fits) are not one. So a card number typed against a letter (`cust4111…`) is not found.
 */
const CANDIDATE = new RegExp(
  String.raw`(?<![\p{L}\p{N}])(?:\d{13,19}|\d{4}(?:${SEP}\d{4}){2,}(?:${SEP}\d{1,4})?|\d{4}${SEP}\d{4}${SEP}\d{8}|\d{4}${SEP}\d{6}${SEP}\d{4,5}|\d{5}${SEP}\d{5}${SEP}\d{5}|\d{4}${SEP}\d{8}${SEP}\d{4}|\d{8}${SEP}\d{8})(?![\p{L}\p{N}])`,
  'gu',
);

/** Whether a candidate holds a card number: the whole of it, or any run of its groups from one group's start. */
function candidateHolds(candidate: string): boolean {
  const groups = candidate.split(/\D+/);
  for (let start = 0; start < groups.length; start++) {
    let digits = '';
    for (let end = start; end < groups.length && digits.length < 19; end++) {
      digits += groups[end];
      if (digits.length >= 13 && isCardNumber(digits)) return true;
    }
  }
  return false;
}

const holdsOne = (text: string): boolean => {
  for (const match of asAsciiDigits(text).matchAll(CANDIDATE)) if (candidateHolds(match[0])) return true;
  return false;
};

const UTF8 = new TextDecoder();

/**
 * UTF-8 read as Latin-1, as Node reads a header's bytes: a no-break space sent by a client that
 * encodes headers as UTF-8 arrives as `Â` and a no-break space. Undefined for other text.
 */
function asUtf8(text: string): string | undefined {
  if (!/[\u0080-\u00ff]/.test(text) || /[^\u0020-\u00ff]/.test(text)) return undefined;
  const decoded = UTF8.decode(Uint8Array.from(text, (c) => c.charCodeAt(0)));
  return decoded.includes('\ufffd') ? undefined : decoded;
}

/** Whether text holds a card number (read as it is, and as UTF-8 if it looks like UTF-8 read as Latin-1, as header values do). */
export function holdsCardNumber(text: string): boolean {
  if (holdsOne(text)) return true;
  const utf8 = asUtf8(text);
  return utf8 !== undefined && holdsOne(utf8);
}

/** Text with every card number in it replaced; undefined when it holds none. */
function maskOne(text: string): string | undefined {
  let found = false;
  const masked = asAsciiDigits(text).replace(CANDIDATE, (m) =>
    candidateHolds(m) ? ((found = true), '[card number]') : m,
  );
  return found ? masked : undefined;
}

/**
 * Text with every card number in it replaced, for what is logged or stored of a client's input.
 * Text without one comes back as it is; with one, normalised as it was read (NFKC; as UTF-8 when
 * it holds one only read so, as holdsCardNumber reads a header).
 */
export function withoutCardNumbers(text: string): string {
  const masked = maskOne(text);
  if (masked !== undefined) return masked;
  const utf8 = asUtf8(text);
  return (utf8 !== undefined ? maskOne(utf8) : undefined) ?? text;
}

const CARD_MESSAGE = 'must not hold a card number: a card goes to the payment gateway, which answers a token';

/** `schema`, refusing a value with a card number in it (the contract: no card number is stored, logged or emitted). */
export const withoutCardNumber = <S extends z.ZodType<string>>(schema: S): S =>
  schema.refine((text) => !holdsCardNumber(text), { message: CARD_MESSAGE, ...whenValidSoFar });
