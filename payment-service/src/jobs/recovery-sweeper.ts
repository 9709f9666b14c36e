import { PeriodicJob, type Logger } from '@checkout/chassis';
import type { PaymentStore } from '../store/payment-store';
import { ChargeInterruptedError } from '../clients/charge-errors';
import type { PaymentAuthorizer } from '../usecases/authorize-payment';

/**
 * Resumes authorizations left PROCESSING by a worker that died mid-charge. Repeating the charge
 * is safe: the gateway replays its first decision for the same Idempotency-Key (the orderId). A
 * gateway that is down answers 503 instead of replaying, so a resumed charge that ends in 503s asks
 * the gateway whether it charged before failing the order (and stays undecided while it cannot say).
 * It also fails, RESERVATION_EXPIRED, each reservation that expired while waiting for its order's
 * half: without it the stock would stay held, and the order open, until the half was forgotten.
 * And it asks the gateway once more about each payment a resumed claim failed, a lease later, so
 * that a charge the gateway decided late is reported for a refund (recheckFailed).
 */
export class RecoverySweeper {
  private readonly job: PeriodicJob;

  constructor(
    private readonly store: PaymentStore,
    private readonly authorizer: PaymentAuthorizer,
    private readonly logger: Logger,
    intervalMs: number,
  ) {
    this.job = new PeriodicJob('payment recovery sweep', intervalMs, () => this.sweepOnce(), logger);
  }

  start(): void {
    this.job.start();
  }

  stop(): Promise<void> {
    return this.job.stop();
  }

  async sweepOnce(): Promise<void> {
    for (const claim of await this.store.reclaimExpired(this.authorizer.leaseMs)) {
      this.logger.warn(
        { orderId: claim.orderId, correlationId: claim.correlationId },
        'resuming an authorization whose lease expired',
      );
      this.authorizer.start(claim);
    }
    const asks = [
      ...(await this.store.awaitingExpired()).map((u) => () => this.authorizer.expireUnpaired(u)),
      ...(await this.store.rechecksDue()).map((r) => () => this.authorizer.recheckFailed(r)),
    ];
    for (const ask of asks) {
      try {
        await ask();
      } catch (err) {
        // The gateway cannot say whether it charged: the rest wait for the next sweep too, rather
        // than each waiting out its own timeout while resumed charges wait behind them.
        if (err instanceof ChargeInterruptedError) return;
        throw err;
      }
    }
  }
}
