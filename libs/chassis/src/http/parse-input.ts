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

/**
 * Unknown keys a 400 names, across the whole input (a cart of 100 lines, each with unknown keys,
 * would otherwise get an answer many times its size), and the characters of each.
 */
const KEYS_NAMED = 10;
const KEY_CHARS = 64;
/** The field of the entry that counts the unknown keys past the first ten: no field of any input. */
const MORE_KEYS_FIELD = '*';

/**
 * An unknown key as a 400 names it: an empty one still named, and one that is `*` quoted (the
 * counting entry's field), a long one cut, a card number in it masked.
 */
const keyName = (k: string): string =>
  k === '' ? '""' : k === MORE_KEYS_FIELD ? `"${k}"` : cut(withoutCardNumbers(k), KEY_CHARS);

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

interface Detail {
  field: string;
  code: string;
  message: string;
}

/** A 400's details, and how many unknown keys past the first ten they do not name. */
function describe(err: ZodError, root: string): { named: Detail[]; moreKeys: number } {
  const named: Detail[] = [];
  let keys = 0;
  for (const issue of firstPerField(err.issues)) {
    const base = fieldPath(issue.path);
    if (issue.code !== 'unrecognized_keys' || issue.keys.length === 0) {
      named.push({ field: base || root, code: issue.code, message: issue.message });
      continue;
    }
    // zod's own message lists every key again: a body of 10,000 unknown keys got them back three times.
    for (const k of issue.keys) {
      if (keys++ >= KEYS_NAMED) continue;
      named.push({ field: base ? `${base}.${keyName(k)}` : keyName(k), code: issue.code, message: 'unknown field' });
    }
  }
  return { named, moreKeys: Math.max(0, keys - KEYS_NAMED) };
}

const moreKeysText = (n: number): string => `${n} more unknown field${n === 1 ? '' : 's'}`;

const withCount = ({ named, moreKeys }: { named: Detail[]; moreKeys: number }): Detail[] =>
  moreKeys > 0
    ? [...named, { field: MORE_KEYS_FIELD, code: 'unrecognized_keys', message: moreKeysText(moreKeys) }]
    : named;

/**
 * Turns a schema failure into the details list of a 400: one entry per bad field, the first thing
 * wrong with it (an empty product id is both too short and of the wrong form: one entry, not two).
 * Unknown keys are each an entry of their own, so a UI maps every entry to one field; past the
 * first ten of the input, one last entry (field `*`) counts the rest.
 */
export const zodDetails = (err: ZodError, root = '(body)'): Detail[] => withCount(describe(err, root));

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
  const root = where === 'request body' ? '(body)' : where;
  const described = describe(result.error, root);
  const more = described.moreKeys > 0 ? ` and ${moreKeysText(described.moreKeys)}` : '';
  const fields = described.named.map((d) => d.field).join(', ') + more;
  throw new AppError('BAD_REQUEST', 400, `invalid ${where}: ${fields}`, withCount(described));
}
