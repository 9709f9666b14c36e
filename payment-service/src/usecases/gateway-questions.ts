import { childTraceparent, type Logger } from '@checkout/chassis';
import type { GatewayClient } from '../clients/gateway-client';
import type { DueOrder, PaymentStore } from '../store/payment-store';
import { expiredAwaitingEvent } from './payment-events';
import type { StrandedCharges } from './stranded-charges';

/** Who reports a charge a recheck found (STRAY_CHARGE_LUA): every instance's recheck is the same reporter. */
export const RECHECK_REPORTER = 'recheck';

export interface GatewayQuestionsDeps {
  store: PaymentStore;
  gateway: GatewayClient;
  stranded: StrandedCharges;
  logger: Logger;
}

/**
 * What payment-service asks the gateway outside a charge, each question about one order on one of
 * the store's lists. Each rejects with ChargeInterruptedError while the gateway cannot say (or the
 * question is abandoned): the entry is asked about again once it is due.
 */
export class GatewayQuestions {
  constructor(private readonly deps: GatewayQuestionsDeps) {}

  /**
   * A reservation that expired while it waited for its order's half: no charge can start for it any
   * more, so unless the gateway holds one it is failed RESERVATION_EXPIRED with its payment.failed
   * (inventory then releases the stock, checkout fails the order). The gateway is asked first: a
   * record rebuilt from redelivered events after Redis lost it can belong to an order charged
   * before the loss, which is left PENDING, off the list, for its order.created to find the charge.
   */
  async expireAwaiting({ orderId, correlationId, traceparent }: DueOrder, signal?: AbortSignal): Promise<void> {
    const { store, gateway, logger } = this.deps;
    const trace = childTraceparent(traceparent);
    const paymentId = await gateway.charged(orderId, { correlationId, traceparent: trace }, signal);
    if (paymentId) {
      await store.leaveAwaiting(orderId);
      logger.warn(
        { orderId, correlationId, paymentId },
        'a reservation expired before its order reached payment, but the gateway holds a charge for it: left PENDING for the order to find it',
      );
    } else if (await store.failAwaiting(expiredAwaitingEvent(orderId, correlationId, trace))) {
      logger.warn(
        { orderId, correlationId },
        'the reservation expired before the order reached payment (its order.created lost or dead-lettered here): payment failed RESERVATION_EXPIRED',
      );
    }
  }

  /**
   * A payment a resumed claim failed, a lease later: the worker it took over may have had an attempt
   * still undecided at the gateway (it paused, or died with the request sent). A charge the gateway
   * now lists is reported, unless that worker reported it first; the recheck is done only after
   * that, so an answer Redis lost makes it ask again rather than skip the report.
   */
  async recheckFailed({ orderId, correlationId, traceparent }: DueOrder, signal?: AbortSignal): Promise<void> {
    const { store, gateway, stranded } = this.deps;
    const paymentId = await gateway.charged(
      orderId,
      { correlationId, traceparent: childTraceparent(traceparent) },
      signal,
    );
    if (paymentId) {
      const { status, first } = await store.reportStrayCharge(orderId, paymentId, RECHECK_REPORTER);
      if (first) stranded.report({ orderId, correlationId, paymentId }, status);
    }
    await store.recheckDone(orderId);
  }
}
