import type { AxiosInstance } from 'axios';
import { contextHeaders, createHttpClient, type RequestContext } from '@checkout/chassis';
import type { AuthorizationResult, ChargeRequest } from '../domain/authorization';
import { ChargeAttempts, guardEachAttempt, shouldRetryCharge, type AuthorizeOptions } from './charge-attempts';
import { ChargeInterruptedError, ReservationExpiredError } from './charge-errors';
import { authorizedCharge, settleExpired, settleFailed, settleUnexpected } from './charge-settlement';
import { toResult } from './gateway-answers';
import { isUndecidedStatus, retryDelayMs } from './retry-policy';

export interface GatewayClient {
  /**
   * `ctx`: the work the charge is for; its correlation id and trace go to the gateway. A charge left
   * undecided (see `opts`) rejects with ChargeInterruptedError and stays with the recovery sweeper.
   */
  authorize(req: ChargeRequest, ctx?: RequestContext, opts?: AuthorizeOptions): Promise<AuthorizationResult>;
  /**
   * The id of the order's authorized charge, if the gateway made one (asked without charging);
   * rejects with ChargeInterruptedError when the gateway cannot say (or `signal` aborted the question).
   */
  charged(orderId: string, ctx?: RequestContext, signal?: AbortSignal): Promise<string | undefined>;
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
  const http = createHttpClient({
    baseURL: opts.baseURL,
    timeoutMs: opts.attemptTimeoutMs,
    retries: opts.maxRetries,
    shouldResetTimeout: true,
    // Statuses that decide nothing reject so axios-retry sees them; every other is an answer to map.
    validateStatus: (s) => !isUndecidedStatus(s),
    retryCondition: shouldRetryCharge,
    retryDelay: (n, err) => retryDelayMs(n, err, opts.backoffBaseMs, opts.random),
  });
  guardEachAttempt(http, opts.now ?? Date.now);

  return {
    async authorize(req, ctx, opts) {
      const attempts = new ChargeAttempts(Date.parse(req.expiresAt), opts);
      try {
        return await charge(http, req, attempts, ctx);
      } catch (err) {
        // Undecided: the caller records the attempts made, so a resumed call counts on from them.
        if (err instanceof ChargeInterruptedError) err.attempts = attempts.count;
        throw err;
      }
    },
    charged: (orderId, ctx, signal) => authorizedCharge(http, { orderId }, 'asked whether it charged', ctx, signal),
  };
}

/**
 * One call's charge: its attempts with their retries, then what their answers decide
 * (charge-settlement). Rejects with ChargeInterruptedError when nothing is decided.
 */
async function charge(http: AxiosInstance, req: ChargeRequest, attempts: ChargeAttempts, ctx?: RequestContext) {
  try {
    const res = await http.post(
      '/v1/charges',
      { amount: req.amount, currency: req.currency, source: req.token, orderId: req.orderId },
      { headers: { ...contextHeaders(ctx), 'Idempotency-Key': req.orderId }, chargeAttempts: attempts },
    );
    return toResult(res, attempts.count) ?? (await settleUnexpected(http, req, attempts, res.status, ctx));
  } catch (err) {
    if (attempts.opts.stop?.aborted)
      throw new ChargeInterruptedError('stopping: the charge is left to the recovery sweeper');
    if (err instanceof ChargeInterruptedError) throw err;
    if (err instanceof ReservationExpiredError) return settleExpired(http, req, attempts, ctx);
    return settleFailed(http, req, attempts, err, ctx);
  }
}
