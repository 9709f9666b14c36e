import { cut } from '@checkout/contracts';
import { AppError, isTransientError } from '../errors';

/** The contract's error shape: `details` is always there, empty when there is nothing per field to say. */
export interface ErrorBody {
  error: string;
  message: string;
  details: unknown[];
  [extra: string]: unknown;
}

interface BodyParserError extends Error {
  type?: string;
  status?: number;
  /** entity.too.large: the most bytes taken. */
  limit?: number;
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
    const most = parserError.limit === undefined ? 'the limit' : `${Math.floor(parserError.limit / 1024)} KB`;
    const message = `request body is larger than ${most}`;
    return {
      status: 413,
      body: { error: 'PAYLOAD_TOO_LARGE', message, details: [{ field: '(body)', code: 'too_large', message }] },
    };
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
