import type { ZodError, z } from 'zod';
import { cut, withoutCardNumbers } from '@checkout/contracts';
import { AppError } from '../errors';

/** A field's path as a 400 names it. A key is the client's text: a card number in one is masked. */
export const fieldPath = (path: PropertyKey[]): string =>
  path.reduce<string>((acc, p) => {
    if (typeof p === 'number') return `${acc}[${p}]`;
    const key = withoutCardNumbers(String(p));
    return acc ? `${acc}.${key}` : key;
  }, '');

/** Unknown keys a 400 names, and the characters of each: its answer must not grow with the input. */
const KEYS_NAMED = 10;
const KEY_CHARS = 64;

/** An unknown key as a 400 names it: an empty one still named, a long one cut, a card number in it masked. */
const keyName = (k: string): string => (k === '' ? '""' : cut(withoutCardNumbers(k), KEY_CHARS));

/** The first issue of each field (unknown keys each kept: they name their own fields). */
function firstPerField(issues: ZodError['issues']): ZodError['issues'] {
  const seen = new Set<string>();
  return issues.filter((issue) => {
    if (issue.code === 'unrecognized_keys') return true;
    const field = fieldPath(issue.path);
    if (seen.has(field)) return false;
    seen.add(field);
    return true;
  });
}

/**
 * Turns a schema failure into the details list of a 400: one entry per bad field, the first thing
 * wrong with it (an empty product id is both too short and of the wrong form: one entry, not two).
 * Unknown keys are each an entry of their own, so a UI maps every entry to one field; past the
 * first ten of an object, one entry on the object counts the rest.
 */
export const zodDetails = (err: ZodError, root = '(body)') =>
  firstPerField(err.issues).flatMap((issue) => {
    const base = fieldPath(issue.path);
    if (issue.code !== 'unrecognized_keys' || issue.keys.length === 0) {
      return [{ field: base || root, code: issue.code, message: issue.message }];
    }
    // zod's own message lists every key again: a body of 10,000 unknown keys got them back three times.
    const named = issue.keys
      .slice(0, KEYS_NAMED)
      .map((k) => ({ field: base ? `${base}.${keyName(k)}` : keyName(k), code: issue.code, message: 'unknown field' }));
    const more = issue.keys.length - named.length;
    return more > 0
      ? [...named, { field: base || root, code: issue.code, message: `${more} more unknown fields` }]
      : named;
  });

/**
 * What a 400 says when there is no body to read: none was sent, or it was not sent as JSON (the JSON
 * parser reads only `application/json`), which zod alone would call "expected object, received
 * undefined".
 */
const NO_JSON_BODY = {
  field: '(body)',
  code: 'missing_body',
  message: 'a JSON body is required, sent with content-type: application/json',
};

/** Parses input against a schema; a failure becomes 400 BAD_REQUEST naming each field. */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown, where = 'request body'): z.infer<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  if (input === undefined && where === 'request body') {
    throw new AppError('BAD_REQUEST', 400, `invalid ${where}: ${NO_JSON_BODY.message}`, [NO_JSON_BODY]);
  }
  // A scalar input (a path parameter) that fails as a whole is named by where it came from.
  const details = zodDetails(result.error, where === 'request body' ? '(body)' : where);
  throw new AppError('BAD_REQUEST', 400, `invalid ${where}: ${details.map((d) => d.field).join(', ')}`, details);
}
