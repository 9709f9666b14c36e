import type { NextFunction, Request, Response } from 'express';
import type { Logger } from 'pino';
import type { ZodError, z } from 'zod';
import { cut, withoutCardNumbers } from '@checkout/contracts';
import { AppError, isTransientError } from '../errors';
import { contextOf } from '../context';

/** The contract's error shape: `details` is always there, empty when there is nothing per field to say. */
export interface ErrorBody {
  error: string;
  message: string;
  details: unknown[];
  [extra: string]: unknown;
}

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
 */
export const zodDetails = (err: ZodError, root = '(body)') =>
  firstPerField(err.issues).map((issue) => {
    const base = fieldPath(issue.path);
    if (issue.code !== 'unrecognized_keys' || issue.keys.length === 0) {
      return { field: base || root, code: issue.code, message: issue.message };
    }
    // zod's own message lists every key again: a body of 10,000 unknown keys got them back three times.
    const named = issue.keys.slice(0, KEYS_NAMED).map((k) => (base ? `${base}.${keyName(k)}` : keyName(k)));
    const more = issue.keys.length - named.length;
    const field = more > 0 ? `${named.join(', ')} and ${more} more` : named.join(', ');
    const message = issue.keys.length === 1 ? 'unknown field' : `${issue.keys.length} unknown fields`;
    return { field, code: issue.code, message };
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

export function notFoundMiddleware(req: Request, res: Response): void {
  res
    .status(404)
    .json({ error: 'NOT_FOUND', message: `no route for ${req.method} ${cut(req.path, 200)}`, details: [] });
}

interface BodyParserError extends Error {
  type?: string;
  status?: number;
}

const decodedPath = (path: string): string => {
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
};

/** Seconds a 503's client is told to wait before it tries again. */
const RETRY_AFTER_S = 1;

/** Longer than any card number as it can be written (19 digits and separators of up to 3 characters). */
const CARD_NUMBER_ROOM = 64;
/** Format characters (zero-width spaces, bidi marks): nothing a log reader needs to see. */
const INVISIBLE = /\p{Cf}/gu;

export function errorMiddleware(logger: Logger) {
  // Express recognises error middleware by its four parameters.
  return (err: unknown, req: Request, res: Response, _next: NextFunction): void => {
    const { status, body } = toErrorResponse(err);
    const { correlationId } = contextOf(req);
    // The client's path, which can hold anything (GET /orders/4111…, percent-encoded or not): never
    // a card number in a log, masked before it is cut (a cut one would keep most of its digits).
    // Only what can show is scanned: the first 200 characters and room for a card number that
    // begins among them (a few KB of path cost ~6 ms each to scan). Invisible characters go first:
    // the scan ignores any number of them between digits, so they could stretch a number past the room.
    const visible = decodedPath(req.path).replace(INVISIBLE, '');
    const path = cut(withoutCardNumbers(visible.slice(0, 200 + CARD_NUMBER_ROOM)), 200);
    // A dependency that is down answers every request 503 until it is back: one warning each, not an
    // error each (the outage is the dependency's, already reported by its health check); a 500 is ours.
    if (status === 503)
      logger.warn({ err, correlationId, method: req.method, path }, 'request refused: a dependency is unavailable');
    else if (status >= 500) logger.error({ err, correlationId, method: req.method, path }, 'request failed');
    // Someone knocking at an admin endpoint without the token (or guessing it) is what an operator
    // wants to see, with where it came from; what was sent stays out of the log.
    else if (status === 401)
      logger.warn(
        { code: body.error, correlationId, method: req.method, path, ip: req.ip },
        'request refused: not authenticated',
      );
    else logger.debug({ code: body.error, correlationId, method: req.method, path }, 'request rejected');
    if (res.headersSent) {
      res.end();
      return;
    }
    // A dependency that is down is usually back within seconds (a restart, a failover): say when to
    // try again, unless the error said already (TOO_MANY_STREAMS).
    if (status === 503 && !res.hasHeader('Retry-After')) res.set('Retry-After', String(RETRY_AFTER_S));
    res.status(status).json(body);
  };
}

export function toErrorResponse(err: unknown): { status: number; body: ErrorBody } {
  const { status, body } = errorResponseOf(err);
  return { status, body: { ...body, details: body.details ?? [] } };
}

type ErrorBodyDraft = Omit<ErrorBody, 'details'> & { error: string; message: string; details?: unknown[] };

function errorResponseOf(err: unknown): { status: number; body: ErrorBodyDraft } {
  if (err instanceof AppError) {
    return { status: err.status, body: { error: err.code, message: err.message, details: err.details } };
  }
  const parserError = err as BodyParserError;
  if (parserError?.type === 'entity.too.large') {
    return { status: 413, body: { error: 'PAYLOAD_TOO_LARGE', message: 'request body is too large' } };
  }
  if (parserError?.type === 'entity.parse.failed') {
    // The parser's own message quotes the body around the fault, which may be a card number:
    // only the position goes back.
    const position = /position (\d+)/.exec(parserError.message)?.[1];
    return {
      status: 400,
      body: {
        error: 'BAD_REQUEST',
        message: 'malformed JSON body',
        details: [
          {
            field: '(body)',
            code: 'invalid_json',
            message: position === undefined ? 'not valid JSON' : `not valid JSON at position ${position}`,
          },
        ],
      },
    };
  }
  // A charset or Content-Encoding the parser does not read is the header's fault: 415 naming it.
  if (parserError?.type === 'charset.unsupported' || parserError?.type === 'encoding.unsupported') {
    const field = parserError.type === 'charset.unsupported' ? 'Content-Type' : 'Content-Encoding';
    const message = cut(parserError.message, 100); // it quotes the client's header
    return {
      status: 415,
      body: { error: 'UNSUPPORTED_MEDIA_TYPE', message, details: [{ field, code: parserError.type, message }] },
    };
  }
  if (parserError?.type && typeof parserError.status === 'number' && parserError.status < 500) {
    return {
      status: parserError.status,
      body: {
        error: 'BAD_REQUEST',
        message: parserError.message,
        details: [{ field: '(body)', code: parserError.type, message: parserError.message }],
      },
    };
  }
  // The router cannot percent-decode a path parameter (`/orders/%`): the client's fault, not ours.
  if (err instanceof URIError && parserError.status === 400) {
    return {
      status: 400,
      body: {
        error: 'BAD_REQUEST',
        message: 'malformed percent-encoding in the path',
        details: [{ field: '(path)', code: 'invalid_encoding', message: 'malformed percent-encoding' }],
      },
    };
  }
  // Raised while the body is read, with a 4xx of its own but no parser type: a body that does not
  // inflate as its Content-Encoding says ('Decompression failed'). The client's fault, not ours.
  const httpError = err as { status?: unknown; expose?: unknown; message?: unknown };
  if (httpError?.expose === true && (httpError.status === 400 || httpError.status === 415)) {
    const message = cut(String(httpError.message), 100);
    return {
      status: httpError.status,
      body: {
        error: httpError.status === 415 ? 'UNSUPPORTED_MEDIA_TYPE' : 'BAD_REQUEST',
        message: `unreadable request body: ${message}`,
        details: [{ field: '(body)', code: 'unreadable_body', message }],
      },
    };
  }
  if (isTransientError(err)) {
    return {
      status: 503,
      body: { error: 'DEPENDENCY_UNAVAILABLE', message: 'a dependency is unavailable, try again' },
    };
  }
  return { status: 500, body: { error: 'INTERNAL', message: 'internal error' } };
}
