import type { AxiosError, AxiosInstance } from 'axios';
import { ChargeInterruptedError, mayHaveChargedUnseen, ReservationExpiredError } from './charge-errors';
import { isRetryable, STILL_DECIDING } from './retry-policy';

export interface AuthorizeOptions {
  /** Once aborted, no further attempt starts (the one in flight may finish and decide). */
  stop?: AbortSignal;
  /**
   * Asked before every retry, with the attempts made so far: renews the claim's lease if it is
   * still this worker's, else false. A worker that outlived its lease (a long pause, a slow retry
   * schedule) then stops rather than racing the one that resumed the charge.
   */
  holdClaim?: (attemptsMade: number) => Promise<boolean>;
  /**
   * The claim was resumed from a worker whose attempts may have reached the gateway: before the
   * order is failed GATEWAY_ERROR, the gateway is asked whether it charged (it answers 503 to a
   * charge while down without replaying the decision it made before).
   */
  resumed?: boolean;
}

/**
 * Per-call state carried on the request config through axios-retry's retries. A class instance,
 * not a plain object, so axios' config merge passes the same object to every attempt.
 */
export class ChargeAttempts {
  count = 0;
  /**
   * An attempt got no answer (timeout, reset), or a server error other than 503: the gateway may
   * have charged it all the same (mayHaveChargedUnseen).
   */
  mayHaveCharged = false;
  /** An answer said the gateway was still deciding this key (409, 408, 425): an attempt of ours was in flight there. */
  deciding = false;
  /** An attempt may be decided without our seeing it: charged unseen, or still being decided. */
  get mayBeDecidedUnseen(): boolean {
    return this.mayHaveCharged || this.deciding;
  }
  constructor(
    readonly expiresAt: number,
    readonly opts: AuthorizeOptions = {},
  ) {}
}

declare module 'axios' {
  interface AxiosRequestConfig {
    chargeAttempts?: ChargeAttempts;
  }
}

/** axios-retry's condition for a charge: notes an attempt the gateway may have charged unseen. */
export function shouldRetryCharge(err: AxiosError): boolean {
  const attempts = err.config?.chargeAttempts;
  if (attempts && mayHaveChargedUnseen(err)) attempts.mayHaveCharged = true;
  if (attempts && err.response && STILL_DECIDING.has(err.response.status)) attempts.deciding = true;
  return !attempts?.opts.stop?.aborted && isRetryable(err);
}

/**
 * Runs before every attempt, the first and each retry after its delay: never charge an order
 * whose stock may already be released, nor one whose claim another worker has taken over.
 */
export function guardEachAttempt(http: AxiosInstance, now: () => number): void {
  http.interceptors.request.use(async (config) => {
    const attempts = config.chargeAttempts;
    if (attempts) {
      const mayStart = () => {
        if (attempts.opts.stop?.aborted) throw new ChargeInterruptedError('stopping: no further attempt');
        if (now() > attempts.expiresAt) throw new ReservationExpiredError('reservation expired');
      };
      mayStart();
      const { holdClaim } = attempts.opts;
      if (attempts.count > 0 && holdClaim) {
        if (!(await holds(() => holdClaim(attempts.count)))) {
          throw new ChargeInterruptedError("the claim is no longer this worker's: no further attempt");
        }
        // Renewing may have waited out a stalled Redis: the reservation may have expired meanwhile.
        mayStart();
      }
      attempts.count += 1;
    }
    return config;
  });
}

/** A claim that cannot be renewed (Redis away) is not held: stop, and leave it to the sweeper. */
async function holds(holdClaim: () => Promise<boolean>): Promise<boolean> {
  try {
    return await holdClaim();
  } catch {
    return false;
  }
}
