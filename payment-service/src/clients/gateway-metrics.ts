import { serviceCounter, type Metrics } from '@checkout/chassis';
import { ChargeInterruptedError } from './charge-errors';
import type { GatewayClient } from './gateway-client';

/**
 * Counts what the gateway is doing to payments: every HTTP attempt by outcome (`authorized`,
 * `declined`, `error` for a 5xx/429/408/409/425/timeout/no answer) and every retry. Retries climbing while
 * authorized stays flat is a gateway outage holding orders in STOCK_RESERVED. A charge left
 * undecided for the recovery sweeper (the gateway still deciding, or unable to say whether it
 * charged; a claim lost or handed back) also counts in `gateway_charges_undecided_total`; its
 * attempts, none of which decided anything, count as errors.
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
      const count = (made: number, decided?: 'authorized' | 'declined') => {
        // A call that made none (a resumed one past the expiry that found its charge by asking) counts none.
        if (made === 0) return;
        // Only transient failures are retried, so every attempt before the deciding one was an error.
        const errors = decided ? made - 1 : made;
        if (errors > 0) attempts.inc({ outcome: 'error' }, errors);
        if (decided) attempts.inc({ outcome: decided });
        if (made > 1) retries.inc(made - 1);
      };
      const result = await gateway.authorize(req, ctx, opts).catch((err: unknown) => {
        if (err instanceof ChargeInterruptedError) {
          undecided.inc();
          count(err.attempts);
        }
        throw err;
      });
      const answered = result.ok || result.code === 'INSUFFICIENT_FUNDS' || result.code === 'INVALID_CARD';
      count(result.attempts, answered ? (result.ok ? 'authorized' : 'declined') : undefined);
      return result;
    },
    charged: (orderId, ctx, signal) => gateway.charged(orderId, ctx, signal),
  };
}
