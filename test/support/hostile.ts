import { parse as parseQuery } from 'node:querystring';
import fc from 'fast-check';
import type { Express } from 'express';
import request from 'supertest';
import { withoutCardNumbers } from '@checkout/contracts';

/**
 * Hostile input for property tests of every HTTP edge: values of the wrong type, numbers at the
 * edges of IEEE 754, unicode and control characters, prototype keys, deep nesting, huge strings.
 * Bodies are sent as raw JSON text so that `__proto__` keys and literals JSON.stringify cannot
 * write (1e999, -0) reach the parser as an attacker would send them.
 */

/**
 * Runs per property: enough to find the usual 5xx, small enough to keep the hostile suites fast.
 * HOSTILE_RUNS raises it; one that is not a whole number of at least 1 is refused, never read as
 * 0 runs (every property would pass without running).
 */
export const RUNS = ((raw = process.env.HOSTILE_RUNS?.trim() || '60') => {
  const runs = Number(raw);
  if (!Number.isInteger(runs) || runs < 1) throw new Error(`HOSTILE_RUNS must be a whole number ≥ 1, not ${raw}`);
  return runs;
})();

const RAW = /"@@raw\((.*?)\)@@"/g;
/** A JSON literal written as is into the body text (e.g. `1e999`, which JSON.parse turns into Infinity). */
const raw = (literal: string): string => `@@raw(${literal})@@`;

export const PROTO_KEYS = ['__proto__', 'constructor', 'prototype'] as const;

export const hostileNumber: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(
    1e308,
    -1e308,
    2 ** 53 + 1,
    -(2 ** 53 + 1),
    Number.MAX_SAFE_INTEGER,
    Number.MIN_VALUE,
    0.1,
    1.5,
    -1,
    0,
    raw('-0'),
    raw('1e999'),
    raw('-1e999'),
    raw('1.0'),
    raw('1e2'),
    raw('123456789012345678901234567890'),
    'NaN',
    'Infinity',
    '-0',
    '1e308',
    '0x10',
    '12',
    '',
  ),
  fc.double(),
  fc.integer(),
);

const nasty = [
  '',
  ' ',
  '\u0000',
  '\u0000\u0001\u0002\u001f\u007f',
  '\r\n\t\b\f',
  '\u202e\u200b\ufeff',
  '\ud800',
  '\udfff\ud800',
  '𝕳𝖊𝖑𝖑𝖔 👩‍👩‍👧‍👦 🏳️‍🌈',
  'Z̷̡̛̖̝͇͎͍̙̯̼̳̦̬̗̘a̴l̸g̷o',
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'hasOwnProperty',
  '<script>alert(1)</script>',
  "' OR 1=1 --",
  '${7*7}{{7*7}}',
  '../../../../etc/passwd',
  '%00%2e%2e%2f',
  '*',
  '\\',
  'ord_../../x',
  'tok_visa',
  'sku-001',
  '4242424242424242',
  '\n'.repeat(10_000),
  'line\n'.repeat(10_000),
  'x'.repeat(20_000),
  'é'.repeat(30_000),
];

export const hostileString: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(...nasty),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.string({ maxLength: 2000 }),
);

/** Objects built with defineProperty, so a `__proto__` key is an own key that JSON.stringify writes. */
const objectOf = (entries: [string, unknown][]): Record<string, unknown> => {
  const o: Record<string, unknown> = {};
  for (const [k, v] of entries)
    Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
  return o;
};

export const hostileKey: fc.Arbitrary<string> = fc.oneof(fc.constantFrom(...PROTO_KEYS), hostileString);

export const hostileValue: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    hostileNumber,
    hostileString,
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.array(fc.tuple(hostileKey, tie('value')), { maxLength: 4 }).map(objectOf),
  ),
})).value;

/** Prototype-pollution attempts in every shape a JSON body can carry them. */
export const pollution: fc.Arbitrary<unknown> = fc.constantFrom(
  objectOf([['__proto__', { polluted: 'yes', isAdmin: true }]]),
  objectOf([['constructor', { prototype: { polluted: 'yes' } }]]),
  objectOf([['prototype', { polluted: 'yes' }]]),
  [objectOf([['__proto__', { polluted: 'yes' }]])],
);

/** Raw JSON text nested `depth` levels deep, as arrays or objects. */
export const deepJson = (depth: number, kind: 'array' | 'object' | 'proto' = 'array'): string => {
  if (kind === 'array') return '['.repeat(depth) + ']'.repeat(depth);
  const key = kind === 'proto' ? '__proto__' : 'a';
  return `{"${key}":`.repeat(depth) + '{}' + '}'.repeat(depth);
};

/** Bodies that have nothing to do with the expected shape. */
export const wholeBodyJunk: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    deepJson(5000),
    deepJson(5000, 'object'),
    deepJson(5000, 'proto'),
    deepJson(100_000),
    '[]',
    '[{}]',
    'null',
    'true',
    '0',
    '"a"',
    '{}',
    '{',
    '{"a":1,}',
    "{'a':1}",
    '{"a":1}{"b":2}',
    '\u0000',
    '',
    ' ',
    '{"__proto__":{"polluted":"yes"}}',
    '{"constructor":{"prototype":{"polluted":"yes"}}}',
    '{"a":1e999}',
    '{"a":"\\ud800"}',
    '{"a":' + '1'.repeat(5000) + '}',
  ),
  hostileValue.map((v) => toJsonText(v)),
  pollution.map((v) => toJsonText(v)),
);

export function toJsonText(value: unknown): string {
  return (JSON.stringify(value) ?? 'null').replace(RAW, '$1');
}

type Path = (string | number)[];

const pathsOf = (value: unknown, at: Path = []): Path[] => {
  if (value === null || typeof value !== 'object') return [at];
  const children = Array.isArray(value)
    ? value.flatMap((v, i) => pathsOf(v, [...at, i]))
    : Object.entries(value).flatMap(([k, v]) => pathsOf(v, [...at, k]));
  return [at, ...children];
};

const setAt = (root: unknown, path: Path, value: unknown): unknown => {
  if (path.length === 0) return value;
  const [head, ...rest] = path;
  const copy = Array.isArray(root) ? [...(root as unknown[])] : { ...(root as Record<string, unknown>) };
  const next = setAt((copy as Record<string | number, unknown>)[head!], rest, value);
  Object.defineProperty(copy, head!, { value: next, enumerable: true, writable: true, configurable: true });
  return copy;
};

export interface Mutation {
  /** Where the valid body was changed ([] = the whole body). */
  path: Path;
  /** The JSON text to send. */
  text: string;
}

/**
 * A valid body with one hostile change: a value replaced at any path, a hostile key added to any
 * object, or an array element duplicated many times. Reaches the deep fields a whole-body fuzz never does.
 */
export function mutationsOf(valid: unknown): fc.Arbitrary<Mutation> {
  const paths = pathsOf(valid);
  const objects = paths.filter((p) => {
    const v = p.reduce<unknown>((o, k) => (o as Record<string | number, unknown>)[k], valid);
    return v !== null && typeof v === 'object' && !Array.isArray(v);
  });
  const replace = fc
    .tuple(fc.constantFrom(...paths), fc.oneof(hostileValue, pollution))
    .map(([path, v]): Mutation => ({ path, text: toJsonText(setAt(valid, path, v)) }));
  const addKey = fc
    .tuple(fc.constantFrom(...objects), hostileKey, fc.oneof(hostileValue, pollution))
    .map(([path, key, v]): Mutation => ({ path: [...path, key], text: toJsonText(setAt(valid, [...path, key], v)) }));
  const nest = fc.tuple(fc.constantFrom(...paths), fc.constantFrom(1000, 5000)).map(([path, depth]): Mutation => {
    const marker = raw('DEEP');
    return { path, text: toJsonText(setAt(valid, path, marker)).replace('DEEP', deepJson(depth)) };
  });
  return fc.oneof(replace, addKey, nest);
}

/** Node refuses request heads over 16 KB with 431 before any of our code runs: stay below. */
const fitsInUrl = (encoded: string): boolean => encoded.length < 6000;

/** Query strings with repeated keys, bracket syntax, hostile values and broken percent-encoding. */
export function hostileQuery(keys: string[]): fc.Arbitrary<string> {
  const key = fc.oneof(
    fc.constantFrom(...keys),
    fc.constantFrom(...keys).map((k) => `${k}[a]`),
    fc.constantFrom(...PROTO_KEYS),
  );
  const value = fc.oneof(
    hostileString.map(safeEncode).filter(fitsInUrl),
    hostileNumber.map((n) => safeEncode(String(n))),
    fc.constantFrom('%', '%E0%A4%A', '%zz', '%00', '%ff%fe'),
  );
  return fc
    .array(fc.tuple(key, value), { minLength: 1, maxLength: 6 })
    .map((pairs) => pairs.map(([k, v]) => `${k}=${v}`).join('&'));
}

/**
 * Whether a 400's detail names what it refuses in `query`: one of `known` fields, or a parameter the
 * endpoint does not know, a key of the query (as express' simple parser reads it; a long one is cut,
 * ending in …), or the count of those past the first ten.
 */
export const namesRefusedQueryField =
  (known: RegExp, query: string) =>
  (d: { field: string; code?: string; message?: string }): boolean => {
    if (known.test(d.field)) return true;
    if (d.code !== 'unrecognized_keys') return false;
    // Past the first ten, one entry counts the rest (zodDetails).
    if (d.field === '*' && /^\d+ more unknown fields?$/.test(d.message ?? '')) return true;
    // As a 400 names them: a card number in a key masked (zodDetails).
    const keys = Object.keys(parseQuery(query)).map(withoutCardNumbers);
    const name = d.field;
    return keys.some((k) => (name.endsWith('…') ? k.startsWith(name.slice(0, -1)) : k === name));
  };

/** A path segment: hostile text percent-encoded, or broken encoding sent as is. */
export const hostileSegment: fc.Arbitrary<string> = fc.oneof(
  hostileString
    .filter((s) => s.length > 0)
    .map(safeEncode)
    .filter(fitsInUrl),
  fc.constantFrom('%', '%E0%A4%A', '%zz', '%00', '%2F', '..', '%2e%2e', '__proto__', 'constructor', 'toString'),
);

export function safeEncode(s: string): string {
  try {
    return encodeURIComponent(s);
  } catch {
    // Lone surrogates cannot be encoded as UTF-8: send what a broken client would.
    return '%ED%A0%80';
  }
}

/** Statuses any endpoint may give hostile input: rejected (400), too large (413), not JSON (415). */
export const REJECTED = [400, 413, 415];

export interface Answer {
  status: number;
  headers: Record<string, string>;
  body: unknown;
  text?: string;
}

/** Sends raw JSON text with the JSON content type. */
export const sendJson = (
  app: Express,
  method: 'post' | 'put',
  url: string,
  text: string,
  headers: Record<string, string> = {},
) =>
  (method === 'post' ? request(app).post(url) : request(app).put(url))
    .set({ 'Content-Type': 'application/json', ...headers })
    .send(text);

/**
 * What every answer to hostile input must look like: never 5xx; a 4xx carries `{ error, message }`,
 * and a 400 about the body names each field it rejects.
 */
export function expectSafeAnswer(res: Answer, allowed: number[], { stripeStyle = [] as number[] } = {}): void {
  const ctx = `${res.status} ${JSON.stringify(res.body).slice(0, 300)}`;
  if (res.status >= 500 || !allowed.includes(res.status))
    throw new Error(`unexpected answer ${ctx} (allowed ${allowed.join(', ')})`);
  if (res.status >= 400) {
    const body = res.body as { error?: unknown; message?: unknown; details?: unknown };
    // The gateway stand-in answers its payment outcomes as Stripe does: `{ error: { code, message } }`.
    const stripe = body?.error as { code?: unknown; message?: unknown } | undefined;
    if (stripeStyle.includes(res.status) && typeof stripe?.code === 'string' && typeof stripe.message === 'string')
      return;
    if (typeof body?.error !== 'string' || typeof body.message !== 'string')
      throw new Error(`error body lacks { error, message }: ${ctx}`);
    if (res.status === 400 && body.error === 'BAD_REQUEST' && body.details !== undefined) {
      const details = body.details as { field?: unknown }[];
      if (!Array.isArray(details) || !details.every((d) => typeof d.field === 'string' && d.field.length > 0)) {
        throw new Error(`a 400 detail does not name its field: ${ctx}`);
      }
    }
  }
}

/** A 400 about a mutated body names a field at or around the mutated path. */
export function expectFieldNamed(res: Answer, mutation: Mutation): void {
  if (res.status !== 400 || mutation.path.length === 0) return;
  const details = (res.body as { details?: { field: string }[] }).details;
  // The contract's error body always has details; a 400 without them names nothing.
  if (!Array.isArray(details)) throw new Error(`400 for a change at ${JSON.stringify(mutation.path)} has no details`);
  // A 400 names at most 64 characters of an unknown key, a card number in it masked (zodDetails).
  const top = withoutCardNumbers(String(mutation.path[0])).slice(0, 64);
  const fields = details.map((d) => d.field);
  if (!fields.some((f) => f === '(body)' || f.startsWith(top) || f.includes(top))) {
    throw new Error(`400 for a change at ${JSON.stringify(mutation.path)} names ${fields.join(', ')}`);
  }
}

/** Object.prototype is as it was: no property was added through `__proto__` or `constructor.prototype`. */
export function expectNoPollution(): void {
  const probe = {} as Record<string, unknown>;
  if (probe.polluted !== undefined || probe.isAdmin !== undefined || Object.keys(Object.prototype).length > 0) {
    throw new Error('Object.prototype was polluted');
  }
}

export { fc };

/** A lookup by a hostile id finds nothing (404/400) or exactly the thing it names, never a prototype member. */
export function expectLookup(res: Answer, segment: string, idField: string): void {
  expectSafeAnswer(res, [200, 400, 404]);
  if (res.status !== 200) return;
  let id: string;
  try {
    id = decodeURIComponent(segment);
  } catch {
    throw new Error(`found something for an undecodable id ${segment}`);
  }
  if ((res.body as Record<string, unknown>)[idField] !== id)
    throw new Error(`lookup of ${id} answered ${JSON.stringify(res.body)}`);
}
