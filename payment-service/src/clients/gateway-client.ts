import type { AxiosError, AxiosResponse } from 'axios';
import type {} from 'axios-retry'; // its per-request 'axios-retry' options on AxiosRequestConfig
import { contextHeaders, createHttpClient, type RequestContext } from '@checkout/chassis';
import type { AuthorizationResult, ChargeRequest } from '../domain/authorization';
import { isRetryable, retryDelayMs } from './retry-policy';

/**
 * Per-call state carried on the request config through axios-retry's retries. A class instance,
 * not a plain object, so axios' config merge passes the same object to every attempt.
 */
class ChargeAttempts {
  count = 0;
  /** An attempt got no answer (timeout, reset): the gateway may have decided it all the same. */
  unanswered = false;
  constructor(
    readonly expiresAt: number,
    readonly opts: AuthorizeOptions = {},
  ) {}
}

class ReservationExpiredError extends Error {}

/**
 * Nothing is decided and no further attempt starts: the service is stopping, the claim is no
 * longer this worker's, or whether the gateway charged cannot be told yet. The claim stays
 * PROCESSING for the recovery sweeper (of this or another instance) to settle.
 */
export class ChargeInterruptedError extends Error {}

export interface AuthorizeOptions {
  /** Once aborted, no further attempt starts (the one in flight may finish and decide). */
  stop?: AbortSignal;
  /**
   * Asked before every retry: renews the claim's lease if it is still this worker's, else false.
   * A worker that outlived its lease (a long pause, a slow retry schedule) then stops rather than
   * racing the one that resumed the charge.
   */
  holdClaim?: () => Promise<boolean>;
  /**
   * The claim was resumed from a worker whose attempts may have reached the gateway: before the
   * order is failed GATEWAY_ERROR, the gateway is asked whether it charged (it answers 503 to a
   * charge while down without replaying the decision it made before).
   */
  resumed?: boolean;
}

/** Errors that leave before the request does: the gateway cannot have seen it. */
const NEVER_SENT = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);
/** An attempt that failed without an answer the gateway may nevertheless have received and decided. */
const mayHaveReachedGateway = (err: AxiosError): boolean => !err.response && !NEVER_SENT.has(err.code ?? '');

declare module 'axios' {
  interface AxiosRequestConfig {
    chargeAttempts?: ChargeAttempts;
  }
}

export interface GatewayClient {
  /**
   * `ctx`: the work the charge is for; its correlation id and trace go to the gateway. A charge left
   * undecided (see `opts`) rejects with ChargeInterruptedError and stays with the recovery sweeper.
   */
  authorize(req: ChargeRequest, ctx?: RequestContext, opts?: AuthorizeOptions): Promise<AuthorizationResult>;
}

export interface GatewayClientOptions {
  baseURL: string;
  maxRetries: number;
  attemptTimeoutMs: number;
  backoffBaseMs: number;
  random?: () => number;
  now?: () => number;
}

export function createGatewayClient(opts: GatewayClientOptions): GatewayClient {
  const now = opts.now ?? Date.now;
  const http = createHttpClient({
    baseURL: opts.baseURL,
    timeoutMs: opts.attemptTimeoutMs,
    retries: opts.maxRetries,
    shouldResetTimeout: true,
    // 429 and 5xx reject so axios-retry sees them; every other status is an answer to map.
    validateStatus: (s) => s < 500 && s !== 429,
    retryCondition: (err) => {
      const attempts = err.config?.chargeAttempts;
      if (attempts && mayHaveReachedGateway(err)) attempts.unanswered = true;
      return !attempts?.opts.stop?.aborted && isRetryable(err);
    },
    retryDelay: (n, err) => retryDelayMs(n, err, opts.backoffBaseMs, opts.random),
  });
  // Runs before every attempt, the first and each retry after its delay: never charge an order
  // whose stock may already be released, nor one whose claim another worker has taken over.
  http.interceptors.request.use(async (config) => {
    const attempts = config.chargeAttempts;
    if (attempts) {
      if (attempts.opts.stop?.aborted) throw new ChargeInterruptedError('stopping: no further attempt');
      if (now() > attempts.expiresAt) throw new ReservationExpiredError('reservation expired');
      if (attempts.count > 0 && attempts.opts.holdClaim && !(await holds(attempts.opts.holdClaim))) {
        throw new ChargeInterruptedError("the claim is no longer this worker's: no further attempt");
      }
      attempts.count += 1;
    }
    return config;
  });

  /**
   * The id of the order's authorized charge, if the gateway made one. When the gateway cannot say,
   * nothing can be decided: ChargeInterruptedError (`why` the question was asked), and the claim
   * stays with the sweeper.
   */
  async function authorizedCharge(req: ChargeRequest, why: string, ctx?: RequestContext): Promise<string | undefined> {
    try {
      const res = await http.get<{ items?: { id?: unknown; status?: unknown }[] }>('/v1/charges', {
        params: { orderId: req.orderId },
        headers: contextHeaders(ctx),
        validateStatus: (s) => s === 200,
        'axios-retry': { retries: 1 },
      });
      const charged = res.data.items?.find((c) => c.status === 'authorized' && typeof c.id === 'string');
      return charged ? String(charged.id) : undefined;
    } catch (lookup) {
      throw new ChargeInterruptedError(`${why} and the gateway cannot say whether it charged (${String(lookup)})`);
    }
  }

  /**
   * The reservation is gone, so no charge may start. But an earlier attempt (this call's, or that of
   * a worker that died mid-charge, whose claim the sweeper resumed) may have been authorized:
   * that charge stands, or the customer would be charged for a FAILED order. Only when the
   * gateway has authorized nothing is the order refused as expired. When the gateway cannot say,
   * this throws and the claim stays with the sweeper, to be settled once it can.
   */
  async function settleExpired(req: ChargeRequest, attempts: number, ctx?: RequestContext) {
    const paymentId = await authorizedCharge(req, 'the reservation expired', ctx);
    if (paymentId) return { ok: true as const, paymentId, attempts };
    const reason = 'the stock reservation expired before the charge';
    return { ok: false as const, code: 'RESERVATION_EXPIRED' as const, reason, attempts };
  }

  /**
   * Retries ran out. If an attempt went unanswered, the gateway may still have authorized it (a
   * real one may finish a request whose client gave up): that charge stands, and only when the
   * gateway says it made none is the order failed GATEWAY_ERROR. When it cannot be asked either,
   * nothing is decided: failing the order could leave the customer charged for a FAILED order, so
   * the claim stays with the sweeper, to be settled once the gateway answers. The same holds for
   * a resumed claim, whose earlier worker's attempts this one never saw. Every attempt answered
   * (5xx, 429) or never sent (connection refused), by a worker that made them all: GATEWAY_ERROR.
   */
  async function settleFailed(req: ChargeRequest, attempts: ChargeAttempts, err: AxiosError, ctx?: RequestContext) {
    if (attempts.opts.resumed || attempts.unanswered || mayHaveReachedGateway(err)) {
      const paymentId = await authorizedCharge(req, 'an attempt may have been decided', ctx);
      if (paymentId) return { ok: true as const, paymentId, attempts: attempts.count };
    }
    return { ok: false as const, code: 'GATEWAY_ERROR' as const, reason: describe(err), attempts: attempts.count };
  }

  return {
    async authorize(req, ctx, opts) {
      const attempts = new ChargeAttempts(Date.parse(req.expiresAt), opts);
      try {
        const res = await http.post(
          '/v1/charges',
          { amount: req.amount, currency: req.currency, source: req.token, orderId: req.orderId },
          { headers: { ...contextHeaders(ctx), 'Idempotency-Key': req.orderId }, chargeAttempts: attempts },
        );
        return toResult(res, attempts.count);
      } catch (err) {
        if (opts?.stop?.aborted)
          throw new ChargeInterruptedError('stopping: the charge is left to the recovery sweeper');
        if (err instanceof ChargeInterruptedError) throw err;
        if (err instanceof ReservationExpiredError) return settleExpired(req, attempts.count, ctx);
        return settleFailed(req, attempts, err as AxiosError, ctx);
      }
    },
  };
}

/** A claim that cannot be renewed (Redis away) is not held: stop, and leave it to the sweeper. */
async function holds(holdClaim: () => Promise<boolean>): Promise<boolean> {
  try {
    return await holdClaim();
  } catch {
    return false;
  }
}

function toResult(res: AxiosResponse, attempts: number): AuthorizationResult {
  const data = res.data as { id?: unknown; error?: { code?: unknown } } | undefined;
  if (res.status >= 200 && res.status < 300 && typeof data?.id === 'string') {
    return { ok: true, paymentId: data.id, attempts };
  }
  if (res.status === 402) {
    const declined = String(data?.error?.code ?? 'declined');
    const code = declined === 'insufficient_funds' ? 'INSUFFICIENT_FUNDS' : 'INVALID_CARD';
    return { ok: false, code, reason: `card declined: ${declined}`, attempts };
  }
  if (res.status === 400 || res.status === 422) {
    return { ok: false, code: 'INVALID_CARD', reason: `gateway refused the card (HTTP ${res.status})`, attempts };
  }
  return { ok: false, code: 'GATEWAY_ERROR', reason: `unexpected gateway answer (HTTP ${res.status})`, attempts };
}

const describe = (err: AxiosError): string =>
  err.response
    ? `gateway unavailable (HTTP ${err.response.status}) after retries`
    : `gateway unreachable (${err.code ?? 'error'}) after retries`;
