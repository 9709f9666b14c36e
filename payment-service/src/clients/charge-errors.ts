import { isAxiosError } from 'axios';

/** The reservation expired before an attempt could start: no charge may start any more. */
export class ReservationExpiredError extends Error {}

/**
 * Nothing is decided and no further attempt starts: the service is stopping, the claim is no
 * longer this worker's, or whether the gateway charged cannot be told yet. In a charge, the claim
 * stays PROCESSING for the recovery sweeper (of this or another instance) to settle; in a question
 * asked outside one (GatewayClient.charged), the order stays on its list to be asked about again.
 */
export class ChargeInterruptedError extends Error {
  /** The attempts this call made at the gateway before it stopped (set as the error leaves the call). */
  attempts = 0;
}

/** Errors that leave before the request does: the gateway cannot have seen it. */
const NEVER_SENT = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);
/**
 * An attempt that failed without an answer the gateway may nevertheless have received and decided.
 * A failure that is not the HTTP call's (a fault of our own around it) tells nothing: it may have.
 */
const mayHaveReachedGateway = (err: unknown): boolean =>
  !isAxiosError(err) || (!err.response && !NEVER_SENT.has(err.code ?? ''));

/**
 * A failed attempt the gateway may have charged without our seeing its decision: one it may have
 * received unanswered (above), or one answered with a server error other than 503. A 500 may come
 * after the charge was committed (Stripe keeps a 500 under its key and replays it to every retry),
 * and a 502 or 504 from a proxy that passed the request on. 503 is the gateway's own "unavailable"
 * (the contract's), answered before it looks at the key.
 */
export const mayHaveChargedUnseen = (err: unknown): boolean => {
  if (mayHaveReachedGateway(err)) return true;
  const status = isAxiosError(err) ? err.response?.status : undefined;
  return status !== undefined && status >= 500 && status !== 503;
};
