import { isAxiosError, type AxiosInstance } from 'axios';
import type {} from 'axios-retry'; // its per-request 'axios-retry' options on AxiosRequestConfig
import { contextHeaders, type RequestContext } from '@checkout/chassis';
import type { ChargeRequest } from '../domain/authorization';
import type { ChargeAttempts } from './charge-attempts';
import { ChargeInterruptedError, mayHaveChargedUnseen } from './charge-errors';
import { describeExhausted } from './gateway-answers';
import { STILL_DECIDING } from './retry-policy';

/**
 * The id of the order's authorized charge, if the gateway made one. When the gateway cannot say,
 * nothing can be decided: ChargeInterruptedError (`why` the question was asked), and the claim
 * stays with the sweeper.
 */
export async function authorizedCharge(
  http: AxiosInstance,
  req: Pick<ChargeRequest, 'orderId'>,
  why: string,
  ctx?: RequestContext,
  signal?: AbortSignal,
): Promise<string | undefined> {
  try {
    const res = await http.get<{ items?: { id?: unknown; status?: unknown }[] }>('/v1/charges', {
      params: { orderId: req.orderId },
      ...(signal ? { signal } : {}),
      headers: contextHeaders(ctx),
      validateStatus: (s) => s === 200,
      'axios-retry': { retries: 1 },
    });
    const charged = res.data.items?.find((c) => c.status === 'authorized' && typeof c.id === 'string');
    return charged ? String(charged.id) : undefined;
  } catch (lookup) {
    if (signal?.aborted) throw new ChargeInterruptedError(`${why}, and the question was abandoned (stopping)`);
    throw new ChargeInterruptedError(`${why} and the gateway cannot say whether it charged (${String(lookup)})`);
  }
}

/**
 * The reservation is gone, so no charge may start. But an earlier attempt (this call's, or that of
 * a worker that died mid-charge, whose claim the sweeper resumed) may have been authorized:
 * that charge stands, or the customer would be charged for a FAILED order. Only when the
 * gateway has authorized nothing is the order refused as expired. When the gateway cannot say,
 * this throws and the claim stays with the sweeper, to be settled once it can. So it does when
 * one of this call's attempts may have been charged unseen (unanswered, or a 5xx but 503) or was
 * still being decided (409): a gateway that lists no charge yet may be about to make one, and the
 * order failed now would release its stock while the customer is charged. The sweeper's resumed
 * call, a lease later, starts no attempt (the reservation expired) and decides from what the
 * gateway then lists.
 */
export async function settleExpired(
  http: AxiosInstance,
  req: ChargeRequest,
  attempts: ChargeAttempts,
  ctx?: RequestContext,
) {
  const paymentId = await authorizedCharge(http, req, 'the reservation expired', ctx);
  if (paymentId) return { ok: true as const, paymentId, attempts: attempts.count };
  if (attempts.mayBeDecidedUnseen)
    throw new ChargeInterruptedError(
      'the reservation expired while an attempt may still be decided, and the gateway lists no charge yet',
    );
  const reason = 'the stock reservation expired before the charge';
  return { ok: false as const, code: 'RESERVATION_EXPIRED' as const, reason, attempts: attempts.count };
}

/**
 * Retries ran out. An attempt may have been charged without our seeing the decision: one that went
 * unanswered (a real gateway may finish a request whose client gave up), or one answered with a
 * 5xx other than 503 (a 500 after the charge was committed, a proxy's 502 or 504). Then the
 * gateway is asked, and a charge it lists stands. When it cannot be asked either, nothing is
 * decided: failing the order could leave the customer charged for a FAILED order, so the claim
 * stays with the sweeper, to be settled once the gateway answers. The same holds for a resumed
 * claim, whose earlier worker's attempts this one never saw, and for an answer saying the gateway
 * was still deciding this key (409, or 408/425): the sweeper asks again later. A first call whose
 * attempt may have been charged unseen, or was still being decided, and for which the gateway
 * lists no charge yet leaves it undecided too: the gateway may still be deciding it (a lookup right
 * after the retries can come before the decision), and the resumed call a lease later sends the
 * same key again, whose decision the gateway replays; only then is an empty list read as no
 * charge. Every attempt answered 503 or 429, or never sent (connection refused), by a worker that
 * made them all: GATEWAY_ERROR. A failure of our own around the call, not the HTTP call's, says
 * nothing of the gateway: it counts as unanswered.
 */
export async function settleFailed(
  http: AxiosInstance,
  req: ChargeRequest,
  attempts: ChargeAttempts,
  err: unknown,
  ctx?: RequestContext,
) {
  const status = isAxiosError(err) ? err.response?.status : undefined;
  const deciding = status !== undefined && STILL_DECIDING.has(status);
  const mayHaveCharged = attempts.mayHaveCharged || mayHaveChargedUnseen(err);
  if (attempts.opts.resumed || mayHaveCharged || deciding || attempts.deciding) {
    const paymentId = await authorizedCharge(http, req, 'an attempt may have been decided', ctx);
    if (paymentId) return { ok: true as const, paymentId, attempts: attempts.count };
  }
  if (deciding)
    throw new ChargeInterruptedError(
      `the gateway was still deciding this charge (HTTP ${status}) when retries ran out`,
    );
  if (!attempts.opts.resumed && (mayHaveCharged || attempts.deciding))
    throw new ChargeInterruptedError(
      'an attempt may have been charged unseen (unanswered, or a 5xx but 503) and the gateway lists no charge yet: asked again once the lease runs out',
    );
  return gatewayError(describeExhausted(err), attempts.count);
}

/**
 * The gateway answered with none of its decisions (toResult): a success without a charge id, or a
 * refusal such as 401 or 404 from something in front of it. A success may have charged, and so may
 * an earlier attempt charged unseen, or a resumed claim's: then the gateway is asked first, as
 * above. A success it lists no charge for may still be deciding (a 202): nothing is decided, and the
 * sweeper asks again. So, on a first call, is an earlier attempt charged unseen, or still being
 * decided (409/408/425), that it lists nothing for yet (as settleFailed: the resumed call a lease
 * later decides). Otherwise the request was refused and nothing was charged: GATEWAY_ERROR.
 */
export async function settleUnexpected(
  http: AxiosInstance,
  req: ChargeRequest,
  attempts: ChargeAttempts,
  status: number,
  ctx?: RequestContext,
) {
  if (attempts.opts.resumed || attempts.mayBeDecidedUnseen || status < 300) {
    const paymentId = await authorizedCharge(http, req, `the gateway answered HTTP ${status} without a decision`, ctx);
    if (paymentId) return { ok: true as const, paymentId, attempts: attempts.count };
  }
  if (status < 300)
    throw new ChargeInterruptedError(`the gateway answered HTTP ${status} without a charge id and lists none yet`);
  if (!attempts.opts.resumed && attempts.mayBeDecidedUnseen)
    throw new ChargeInterruptedError(
      `the gateway answered HTTP ${status} after an attempt that may have been charged unseen or was still being decided, and lists no charge yet: asked again once the lease runs out`,
    );
  return gatewayError(`unexpected gateway answer (HTTP ${status})`, attempts.count);
}

const gatewayError = (reason: string, attempts: number) => ({
  ok: false as const,
  code: 'GATEWAY_ERROR' as const,
  reason,
  attempts,
});
