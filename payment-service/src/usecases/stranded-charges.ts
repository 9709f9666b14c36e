import { serviceCounter, type Logger, type Metrics } from '@checkout/chassis';
import type { PaymentStatus } from '../domain/payment';

/**
 * A charge the gateway authorized for a payment that will never be confirmed by it: the payment
 * FAILED meanwhile, or its record is gone (Redis lost it). Only an operator can refund it (the
 * contract has no refund event), so each is counted and logged at error level with the charge's id.
 * Who reports it, and that it is reported once, is the store's (STRAY_CHARGE_LUA).
 */
export class StrandedCharges {
  private readonly counter;

  constructor(
    metrics: Metrics,
    private readonly logger: Logger,
  ) {
    this.counter = serviceCounter(
      metrics.registry,
      'payment_stranded_charges_total',
      'Charges the gateway authorized for a payment another worker had already failed, or whose record was lost: each needs a refund',
    );
  }

  report(charge: { orderId: string; correlationId: string; paymentId: string }, status?: PaymentStatus): void {
    this.counter.inc();
    this.logger.error(
      charge,
      status === 'FAILED'
        ? 'the gateway authorized a charge for a payment already failed: refund it'
        : 'the gateway authorized a charge for a payment whose record is gone: check the order, refund it if it failed',
    );
  }
}
