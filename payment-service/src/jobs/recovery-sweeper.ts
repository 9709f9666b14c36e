import { PeriodicJob, type Logger } from '@checkout/chassis';
import type { PaymentStore } from '../store/payment-store';
import type { PaymentAuthorizer } from '../usecases/authorize-payment';

/**
 * Resumes authorizations left PROCESSING by a worker that died mid-charge. Repeating the charge
 * is safe: the gateway replays its first decision for the same Idempotency-Key (the orderId). A
 * gateway that is down answers 503 instead of replaying, so a resumed charge that ends in 503s asks
 * the gateway whether it charged before failing the order (and stays undecided while it cannot say).
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
  }
}
