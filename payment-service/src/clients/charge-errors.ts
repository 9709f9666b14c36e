import { isAxiosError } from 'axios';

/** The reservation expired before an attempt could start: no charge may start any more. */
export class ReservationExpiredError extends Error {}

/**
 * Nothing is decided and no further attempt starts: the service is stopping, the claim is no
 * longer this worker's, or whether the gateway charged cannot be told yet. In a charge, the claim
 * stays PROCESSING for the recovery sweeper (of this or another instance) to settle; in a question
 * asked outside one (GatewayClient.charged), the order stays on its list to be asked about again.
 */
export class ChargeInterruptedError extends Error {}

/** Errors that leave before the request does: the gateway cannot have seen it. */
const NEVER_SENT = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);
/**
 * An attempt that failed without an answer the gateway may nevertheless have received and decided.
 * A failure that is not the HTTP call's (a fault of our own around it) tells nothing: it may have.
 */
export const mayHaveReachedGateway = (err: unknown): boolean =>
  !isAxiosError(err) || (!err.response && !NEVER_SENT.has(err.code ?? ''));
