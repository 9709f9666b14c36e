import { isAxiosError, type AxiosResponse } from 'axios';
import type { AuthorizationResult } from '../domain/authorization';

/**
 * The gateway's answer to a charge as an authorization result (a decline is an answer too), or
 * undefined for an answer that is none of the gateway's decisions (a success without a charge id,
 * a 401 or 404 from something in front of it): whether it charged is then asked separately.
 */
export function toResult(res: AxiosResponse, attempts: number): AuthorizationResult | undefined {
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
  return undefined;
}

/** Why retries ran out, as the GATEWAY_ERROR reason. */
export const describeExhausted = (err: unknown): string => {
  if (!isAxiosError(err)) return `charge call failed (${String(err)})`;
  return err.response
    ? `gateway unavailable (HTTP ${err.response.status}) after retries`
    : `gateway unreachable (${err.code ?? 'error'}) after retries`;
};
