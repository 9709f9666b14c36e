import { PeriodicJob, type Logger } from '@checkout/chassis';
import { ChargeInterruptedError } from '../clients/charge-errors';
import type { PaymentStore } from '../store/payment-store';
import type { PaymentAuthorizer } from '../usecases/authorize-payment';

/**
 * Resumes authorizations left PROCESSING by a worker that died mid-charge. Repeating the charge
 * is safe: the gateway replays its first decision for the same Idempotency-Key (the orderId). A
 * gateway that is down answers 503 instead of replaying, so a resumed charge that ends in 503s asks
 * the gateway whether it charged before failing the order (and stays undecided while it cannot say).
 *
 * A second job, on the same interval, asks the gateway about payments: it fails, RESERVATION_EXPIRED,
 * each reservation that expired while waiting for its order's half (without it the stock would stay
 * held, and the order open, until the half was forgotten), and asks once more about each payment a
 * resumed claim failed, a lease later, so that a charge the gateway decided late is reported for a
 * refund. Its own job, so that a slow gateway never holds up resuming claims.
 */
export class RecoverySweeper {
  private readonly resume: PeriodicJob;
  private readonly ask: PeriodicJob;
  private readonly stopping = new AbortController();

  constructor(
    private readonly store: PaymentStore,
    private readonly authorizer: PaymentAuthorizer,
    private readonly logger: Logger,
    intervalMs: number,
    /** How long a question taken from the lists is this instance's before it may be asked again. */
    private readonly questionHoldMs = 30_000,
  ) {
    this.resume = new PeriodicJob('payment recovery sweep', intervalMs, () => this.sweepOnce(), logger);
    this.ask = new PeriodicJob('payment gateway checks', intervalMs, () => this.askGatewayOnce(), logger);
  }

  start(): void {
    this.resume.start();
    this.ask.start();
  }

  /** Stops both jobs; a gateway question under way is abandoned (asked again by the next instance). */
  async stop(): Promise<void> {
    this.stopping.abort();
    await Promise.all([this.resume.stop(), this.ask.stop()]);
  }

  async sweepOnce(): Promise<void> {
    for (const claim of await this.store.reclaimExpired(this.authorizer.leaseMs)) {
      this.logger.warn(
        { orderId: claim.orderId, correlationId: claim.correlationId },
        'resuming an authorization whose lease expired',
      );
      this.authorizer.start(claim);
    }
  }

  async askGatewayOnce(): Promise<void> {
    const { signal } = this.stopping;
    const questions = [
      ...(await this.store.awaitingExpired(this.questionHoldMs)).map(
        (u) => () => this.authorizer.expireUnpaired(u, signal),
      ),
      ...(await this.store.rechecksDue(this.questionHoldMs)).map((r) => () => this.authorizer.recheckFailed(r, signal)),
    ];
    for (const ask of questions) {
      if (signal.aborted) return;
      try {
        await ask();
      } catch (err) {
        // The gateway cannot say whether it charged: the rest are not asked now either, rather than
        // each waiting out its own timeout; all are asked again once their hold ends.
        if (err instanceof ChargeInterruptedError) return;
        throw err;
      }
    }
  }
}
