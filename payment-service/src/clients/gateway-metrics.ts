import { serviceCounter, type Metrics } from '@checkout/chassis';
import { ChargeInterruptedError } from './charge-errors';
import type { GatewayClient } from './gateway-client';

/**
 * Counts what the gateway is doing to payments: every HTTP attempt by outcome (`authorized`,
 * `declined`, `error` for a 5xx/429/408/409/425/timeout/no answer) and every retry. Retries climbing while
 * authorized stays flat is a gateway outage holding orders in STOCK_RESERVED. A charge left
 * undecided for the recovery sweeper (the gateway still deciding, or unable to say whether it
 * charged; a claim lost or handed back) reaches no decision here, so it counts apart: its attempts
 * are not known to this wrapper.
 */
export function withGatewayMetrics(gateway: GatewayClient, { registry }: Metrics): GatewayClient {
  const attempts = serviceCounter(registry, 'gateway_attempts_total', 'Payment gateway attempts by outcome', [
    'outcome',
  ]);
  const retries = serviceCounter(registry, 'gateway_retries_total', 'Payment gateway attempts that were retries');
  const undecided = serviceCounter(
    registry,
    'gateway_charges_undecided_total',
    'Charges left undecided for the recovery sweeper to settle later',
  );
  return {
    async authorize(req, ctx, opts) {
      const result = await gateway.authorize(req, ctx, opts).catch((err: unknown) => {
        if (err instanceof ChargeInterruptedError) undecided.inc();
        throw err;
      });
      // Only transient failures are retried, so every attempt before the last one was an error.
      const answered = result.ok || result.code === 'INSUFFICIENT_FUNDS' || result.code === 'INVALID_CARD';
      const errors = answered ? result.attempts - 1 : result.attempts;
      if (errors > 0) attempts.inc({ outcome: 'error' }, errors);
      if (answered) attempts.inc({ outcome: result.ok ? 'authorized' : 'declined' });
      if (result.attempts > 1) retries.inc(result.attempts - 1);
      return result;
    },
    charged: (orderId, ctx, signal) => gateway.charged(orderId, ctx, signal),
  };
}
