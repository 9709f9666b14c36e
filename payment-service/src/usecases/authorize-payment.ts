import {
  childTraceparent,
  retryWhileTransient,
  serviceCounter,
  type Logger,
  type Metrics,
  type Outbox,
} from '@checkout/chassis';
import { createEvent, type CloudEvent } from '@checkout/contracts';
import { ChargeInterruptedError } from '../clients/charge-errors';
import type { GatewayClient } from '../clients/gateway-client';
import type { AuthorizationResult } from '../domain/authorization';
import type { Claim } from '../domain/payment';
import type { PaymentStore, Unpaired } from '../store/payment-store';

export interface AuthorizerDeps {
  store: PaymentStore;
  gateway: GatewayClient;
  outbox: Pick<Outbox, 'publishing'>;
  logger: Logger;
  metrics: Metrics;
  leaseMs: number;
}

const SOURCE = '/payment-service';
/** Who reports a charge a recheck found (STRAY_CHARGE_LUA): every instance's recheck is the same reporter. */
const RECHECK_REPORTER = 'recheck';

/** How often a renewal Redis did not answer is tried again. */
const RENEW_RETRY_MS = 250;
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
  private readonly strandedCharges;

  constructor(private readonly deps: AuthorizerDeps) {
    this.strandedCharges = serviceCounter(
      deps.metrics.registry,
      'payment_stranded_charges_total',
      'Charges the gateway authorized for a payment another worker had already failed, or whose record was lost: each needs a refund',
    );
  }

  get leaseMs(): number {
    return this.deps.leaseMs;
  }

  start(claim: Claim): void {
    const run = this.authorize(claim)
      .catch(async (err: unknown) => {
        const { logger, store } = this.deps;
        if (this.stopping.signal.aborted) {
          // Stopping: the claim is handed back (its lease ends now), so the next sweep of another
          // instance resumes it at once rather than a whole lease later.
          const handedBack = await store.hold(claim, 0).catch(() => false);
          logger.warn(
            { orderId: claim.orderId, correlationId: claim.correlationId, reason: (err as Error).message, handedBack },
            'charge interrupted by shutdown, left undecided for another instance',
          );
        } else if (err instanceof ChargeInterruptedError)
          logger.warn(
            { orderId: claim.orderId, correlationId: claim.correlationId, reason: err.message },
            'charge left undecided, the sweeper will resume it',
          );
        else
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
    let result = await gateway.authorize(
      claim,
      { correlationId, traceparent },
      {
        stop: this.stopping.signal,
        holdClaim: () => this.renew(claim, lease),
        resumed: claim.resumed === true,
      },
    );
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
      result = { ok: true, paymentId: outcome.strayCharge, attempts: result.attempts };
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
   * A payment a resumed claim failed, a lease later: the worker it took over may have had an attempt
   * at the gateway still undecided when the resumed claim asked (it paused, or died with the request
   * sent, and the gateway took longer than a lease to decide). A charge the gateway now lists on a
   * FAILED payment is a customer charged for a failed order: counted and logged for a refund, unless
   * that worker lived to hear of it and reported it first (reportStray). The recheck is done only
   * after that, so an answer Redis lost makes it ask again, never skip the report: the entry was
   * taken for this instance alone (TAKE_DUE_LUA), and the same reporter asking again is answered
   * the same. A charge on a record that is not FAILED (rebuilt PENDING after Redis lost it) is the
   * order's own, which its order.created finds. Rejects with ChargeInterruptedError while the
   * gateway cannot say: the entry is asked about again once it is due.
   */
  async recheckFailed(
    { orderId, correlationId }: { orderId: string; correlationId: string },
    signal?: AbortSignal,
  ): Promise<void> {
    const { store, gateway } = this.deps;
    const paymentId = await gateway.charged(orderId, { correlationId }, signal);
    if (paymentId) {
      const { status, first } = await store.reportStrayCharge(orderId, paymentId, RECHECK_REPORTER);
      if (first) this.stranded({ orderId, correlationId, paymentId }, status);
    }
    await store.recheckDone(orderId);
  }

  /**
   * A reservation that expired while it waited for its order's half: no charge can start for it any
   * more, so unless the gateway holds one it is failed RESERVATION_EXPIRED with its payment.failed.
   * The gateway is asked first because a record recreated from redelivered events after Redis lost
   * it can belong to an order charged before the loss: that one is left PENDING, off the list, for
   * its order.created to find the charge (settleExpired) as it would have without this sweep.
   * Rejects with ChargeInterruptedError while the gateway cannot say: the next sweep asks again.
   */
  async expireUnpaired(unpaired: Unpaired, signal?: AbortSignal): Promise<'failed' | 'charged' | 'moved-on'> {
    const { store, gateway, logger } = this.deps;
    const { orderId, correlationId } = unpaired;
    const ctx = { correlationId, traceparent: childTraceparent(unpaired.traceparent) };
    const paymentId = await gateway.charged(orderId, ctx, signal);
    if (paymentId) {
      await store.leaveAwaiting(orderId);
      logger.warn(
        { orderId, correlationId, paymentId },
        'a reservation expired before its order reached payment, but the gateway holds a charge for it: left PENDING for the order to find it',
      );
      return 'charged';
    }
    if (!(await store.failAwaiting(expiredUnpairedEvent(unpaired)))) return 'moved-on';
    logger.warn(
      { orderId, correlationId },
      'the reservation expired before the order reached payment (its order.created lost or dead-lettered here): payment failed RESERVATION_EXPIRED',
    );
    return 'failed';
  }

  /**
   * Renews the claim before a retry of its charge; false once it is another worker's. Redis not
   * answering (a stall, a failover) says nothing of whose it is, and the lease this worker set last
   * is its own until it runs out: the renewal is tried again until shortly before then, so a short
   * stall delays the charge by itself rather than by a whole lease, after which the sweeper resumes it.
   */
  private async renew(claim: Claim, lease: { endsAt: number }): Promise<boolean> {
    const held = await retryWhileTransient(() => this.deps.store.hold(claim, this.deps.leaseMs), {
      everyMs: RENEW_RETRY_MS,
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
   * payment (the reservation expired and the gateway had not decided yet when it asked), the
   * customer holds a charge for a FAILED order, which only an operator can refund: the contract has
   * no refund event. So does one whose record is gone (Redis lost it): nothing here will ever
   * report that charge, and no order it was for can be confirmed by it. The report is tried again
   * while Redis does not answer (with the same reporter, so a lost answer is answered the same):
   * a worker that gives up leaves the charge to the payment's recheck, if it is still due.
   */
  private async reportStray(claim: Claim, paymentId: string): Promise<void> {
    const giveUpAt = Date.now() + this.deps.leaseMs;
    const { status, first } = await retryWhileTransient(
      () => this.deps.store.reportStrayCharge(claim.orderId, paymentId, claim.owner),
      { everyMs: RENEW_RETRY_MS, giveUpAt: () => giveUpAt },
    );
    if (first) this.stranded({ orderId: claim.orderId, correlationId: claim.correlationId, paymentId }, status);
  }

  private stranded(charge: { orderId: string; correlationId: string; paymentId: string }, status: string): void {
    this.strandedCharges.inc();
    this.deps.logger.error(
      charge,
      status === 'FAILED'
        ? 'the gateway authorized a charge for a payment already failed: refund it'
        : 'the gateway authorized a charge for a payment whose record is gone: check the order, refund it if it failed',
    );
  }
}

function outcomeEvent(claim: Claim, result: AuthorizationResult, traceparent: string): CloudEvent {
  const meta = { source: SOURCE, correlationId: claim.correlationId, traceparent };
  const { orderId } = claim;
  return result.ok
    ? createEvent(
        'payment.authorized',
        {
          orderId,
          paymentId: result.paymentId,
          amount: claim.amount,
          currency: claim.currency,
          attempts: result.attempts,
        },
        meta,
      )
    : createEvent(
        'payment.failed',
        { orderId, code: result.code, reason: result.reason, attempts: result.attempts },
        meta,
      );
}

/**
 * The payment.failed of a reservation that expired before its order's half reached payment-service
 * (PaymentStore.failAwaiting): no charge was tried.
 */
export const expiredUnpairedEvent = ({ orderId, correlationId, traceparent }: Unpaired) =>
  createEvent(
    'payment.failed',
    {
      orderId,
      code: 'RESERVATION_EXPIRED',
      reason: 'the stock reservation expired before the order reached payment',
      attempts: 0,
    },
    { source: SOURCE, correlationId, traceparent: childTraceparent(traceparent) },
  );
