import { childTraceparent, retryWhileTransient, type Logger, type Outbox } from '@checkout/chassis';
import { ChargeInterruptedError } from '../clients/charge-errors';
import type { GatewayClient } from '../clients/gateway-client';
import type { Claim } from '../domain/payment';
import type { PaymentStore } from '../store/payment-store';
import { outcomeEvent } from './payment-events';
import type { StrandedCharges } from './stranded-charges';

export interface AuthorizerDeps {
  store: PaymentStore;
  gateway: GatewayClient;
  outbox: Pick<Outbox, 'publishing'>;
  logger: Logger;
  stranded: StrandedCharges;
  leaseMs: number;
}

/** How often a renewal or report Redis did not answer is tried again. */
const REDIS_RETRY_MS = 250;
/**
 * Renewals stop being retried this long before the lease this worker set last runs out: the
 * sweeper of another host compares it with its own clock.
 */
const LEASE_MARGIN_MS = 5000;

/**
 * Charges a claimed order once and records the outcome with its event. Charges run in the
 * background so a slow gateway never stalls a partition; the claim in Redis is what makes them
 * durable, and the sweeper resumes any this process did not finish.
 */
export class PaymentAuthorizer {
  private readonly inFlight = new Set<Promise<void>>();
  private readonly stopping = new AbortController();

  constructor(private readonly deps: AuthorizerDeps) {}

  get leaseMs(): number {
    return this.deps.leaseMs;
  }

  start(claim: Claim): void {
    const run = this.authorize(claim)
      .catch(async (err: unknown) => {
        const { logger, store } = this.deps;
        // The attempts made so far stay on the claim, so the call that resumes it counts on from them.
        const attempts = err instanceof ChargeInterruptedError ? attemptsOf(claim, err.attempts) : undefined;
        if (this.stopping.signal.aborted) {
          // Stopping: the claim is handed back (its lease ends now), so the next sweep of another
          // instance resumes it at once rather than a whole lease later.
          const handedBack = await store.hold(claim, 0, attempts).catch(() => false);
          logger.warn(
            {
              orderId: claim.orderId,
              correlationId: claim.correlationId,
              reason: err instanceof Error ? err.message : String(err),
              handedBack,
            },
            'charge interrupted by shutdown, left undecided for another instance',
          );
        } else if (err instanceof ChargeInterruptedError) {
          if (attempts) await store.recordAttempts(claim, attempts).catch(() => false);
          logger.warn(
            { orderId: claim.orderId, correlationId: claim.correlationId, reason: err.message, attempts },
            'charge left undecided, the sweeper will resume it',
          );
        } else
          logger.error(
            { err, orderId: claim.orderId, correlationId: claim.correlationId },
            'authorization failed, the sweeper will resume it',
          );
      })
      .finally(() => this.inFlight.delete(run));
    this.inFlight.add(run);
  }

  /**
   * Shutdown: no charge starts another attempt; waits for the attempts in flight (at most one
   * attempt timeout) or the retry waits under way (at most MAX_RETRY_DELAY_MS). A charge left
   * undecided hands its claim back (its lease ends now), so another instance's sweeper resumes it
   * on its next pass.
   */
  async drain(): Promise<void> {
    this.stopping.abort();
    await Promise.allSettled([...this.inFlight]);
  }

  async authorize(claim: Claim): Promise<void> {
    const { store, gateway, outbox, logger } = this.deps;
    const traceparent = childTraceparent(claim.traceparent);
    const { orderId, correlationId } = claim;
    const lease = { endsAt: Date.now() + this.deps.leaseMs };
    const called = await gateway.authorize(
      claim,
      { correlationId, traceparent },
      {
        stop: this.stopping.signal,
        holdClaim: (made) => this.renew(claim, lease, attemptsOf(claim, made)),
        resumed: claim.resumed === true,
      },
    );
    let result = { ...called, attempts: attemptsOf(claim, called.attempts, called.ok) };
    // A resumed claim fails a payment from what the gateway listed: an attempt of the worker it took
    // over may still be undecided there. Checked once more a lease later (recheckFailed).
    const recheckAt = claim.resumed && !result.ok ? Date.now() + this.deps.leaseMs : undefined;
    let outcome = await outbox.publishing(
      store.complete(claim, result, outcomeEvent(claim, result, traceparent), { recheckAt }),
    );
    if (typeof outcome === 'object') {
      // A worker that lost this claim got the order's charge authorized meanwhile (the gateway
      // decided its attempt after this worker's look-up): that charge stands.
      logger.warn(
        { orderId, correlationId, paymentId: outcome.strayCharge },
        'a charge made by an earlier worker stands',
      );
      result = { ok: true, paymentId: outcome.strayCharge, attempts: attemptsOf(claim, called.attempts, true) };
      outcome = await outbox.publishing(store.complete(claim, result, outcomeEvent(claim, result, traceparent)));
    }
    if (outcome !== 'written') {
      if (result.ok) await this.reportStray(claim, result.paymentId);
      return;
    }
    if (result.ok) logger.info({ orderId, correlationId, attempts: result.attempts }, 'payment authorized');
    else logger.info({ orderId, correlationId, code: result.code, attempts: result.attempts }, 'payment failed');
  }

  /**
   * Renews the claim before a retry of its charge; false once it is another worker's. Redis not
   * answering (a stall, a failover) says nothing of whose it is, and the lease this worker set last
   * is its own until it runs out: the renewal is tried again until shortly before then, so a short
   * stall delays the charge by itself rather than by a whole lease, after which the sweeper resumes it.
   */
  private async renew(claim: Claim, lease: { endsAt: number }, attempts: number): Promise<boolean> {
    const held = await retryWhileTransient(() => this.deps.store.hold(claim, this.deps.leaseMs, attempts), {
      everyMs: REDIS_RETRY_MS,
      giveUpAt: () => lease.endsAt - LEASE_MARGIN_MS,
      stop: () => this.stopping.signal.aborted,
      onFirstRetry: (err) =>
        this.deps.logger.warn(
          { err, orderId: claim.orderId, correlationId: claim.correlationId },
          'cannot renew the charge claim (Redis not answering): trying again until its lease runs out',
        ),
    });
    if (held) lease.endsAt = Date.now() + this.deps.leaseMs;
    return held;
  }

  /**
   * This worker's charge was authorized, but the claim had passed to another worker (this one
   * paused past its lease mid-attempt). While that worker is still on it, the charge is left on the
   * record, so it cannot fail the payment (it records this charge instead). If it already finished
   * AUTHORIZED, the same Idempotency-Key made that the same charge. If it already failed the
   * payment, or the record is gone, the charge is stranded (StrandedCharges). The report is tried
   * again while Redis does not answer, with the same reporter, so a lost answer is answered the
   * same (STRAY_CHARGE_LUA); one that cannot be made is logged with the charge's id, and the
   * payment's recheck, if still due, reports it.
   */
  private async reportStray(claim: Claim, paymentId: string): Promise<void> {
    const { orderId, correlationId } = claim;
    const giveUpAt = Date.now() + this.deps.leaseMs;
    try {
      const { status, first } = await retryWhileTransient(
        () => this.deps.store.reportStrayCharge(orderId, paymentId, claim.owner),
        {
          everyMs: REDIS_RETRY_MS,
          giveUpAt: () => giveUpAt,
          stop: () => this.stopping.signal.aborted,
          onFirstRetry: (err) =>
            this.deps.logger.warn({ err, orderId, correlationId, paymentId }, 'cannot report a charge: trying again'),
        },
      );
      if (first) this.deps.stranded.report({ orderId, correlationId, paymentId }, status);
    } catch (err) {
      this.deps.logger.error(
        { err, orderId, correlationId, paymentId },
        'the gateway authorized a charge for a payment another worker took over, and it could not be recorded: check the order, refund it if it failed',
      );
    }
  }
}

/**
 * A charge's attempts: those its earlier calls recorded on the claim and `made` by this one. A
 * worker that died before its first retry recorded none, so an `authorized` charge counts at least 1.
 */
const attemptsOf = (claim: Claim, made: number, authorized = false): number =>
  Math.max((claim.priorAttempts ?? 0) + made, authorized ? 1 : 0);
