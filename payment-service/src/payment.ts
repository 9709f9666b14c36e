import type { Logger, Metrics, Outbox, Redis } from '@checkout/chassis';
import { createGatewayClient } from './clients/gateway-client';
import { withGatewayMetrics } from './clients/gateway-metrics';
import type { Config } from './config';
import { createHandlers } from './handlers';
import { GatewayQuestionsJob } from './jobs/gateway-questions-job';
import { RecoverySweeper } from './jobs/recovery-sweeper';
import { PaymentStore } from './store/payment-store';
import { PaymentAuthorizer, type AuthorizerDeps } from './usecases/authorize-payment';
import { GatewayQuestions } from './usecases/gateway-questions';
import { StrandedCharges } from './usecases/stranded-charges';

export interface PaymentDeps {
  redis: Redis;
  outbox: Outbox;
  logger: Logger;
  metrics: Metrics;
  prefix: string;
  settings: Pick<
    Config,
    | 'PAYMENT_GATEWAY_URL'
    | 'PAYMENT_MAX_RETRIES'
    | 'PAYMENT_ATTEMPT_TIMEOUT_MS'
    | 'PAYMENT_BACKOFF_BASE_MS'
    | 'PAYMENT_LEASE_MS'
    | 'PAYMENT_SWEEP_INTERVAL_MS'
  > &
    Partial<Pick<Config, 'RECORD_RETENTION_MS'>>;
  /** How long a question for the gateway is one instance's (GatewayQuestionsJob; tests shorten it). */
  questionHoldMs?: number;
}

/** The store, gateway client, authorizer, background jobs and handlers, wired the same way in main.ts and in the component tests. */
export function createPayment(deps: PaymentDeps) {
  return createPaymentWith(deps, (authorizerDeps) => new PaymentAuthorizer(authorizerDeps));
}

/** createPayment with an authorizer the caller makes (the component tests' one counts the charges it runs). */
export function createPaymentWith<A extends PaymentAuthorizer>(
  { redis, outbox, logger, metrics, prefix, settings, questionHoldMs }: PaymentDeps,
  makeAuthorizer: (deps: AuthorizerDeps) => A,
) {
  const store = new PaymentStore(redis, outbox, prefix, settings.RECORD_RETENTION_MS);
  const gateway = withGatewayMetrics(
    createGatewayClient({
      baseURL: settings.PAYMENT_GATEWAY_URL,
      maxRetries: settings.PAYMENT_MAX_RETRIES,
      attemptTimeoutMs: settings.PAYMENT_ATTEMPT_TIMEOUT_MS,
      backoffBaseMs: settings.PAYMENT_BACKOFF_BASE_MS,
    }),
    metrics,
  );
  const stranded = new StrandedCharges(metrics, logger);
  const authorizer = makeAuthorizer({ store, gateway, outbox, logger, stranded, leaseMs: settings.PAYMENT_LEASE_MS });
  const sweeper = new RecoverySweeper(store, authorizer, logger, settings.PAYMENT_SWEEP_INTERVAL_MS);
  const questions = new GatewayQuestionsJob({
    store,
    questions: new GatewayQuestions({ store, gateway, stranded, logger }),
    logger,
    intervalMs: settings.PAYMENT_SWEEP_INTERVAL_MS,
    ...(questionHoldMs !== undefined ? { holdMs: questionHoldMs } : {}),
  });
  return {
    store,
    authorizer,
    handlers: createHandlers(store, authorizer),
    /** Starts resuming dead workers' claims and asking the gateway its questions. */
    startJobs(): void {
      sweeper.start();
      questions.start();
    },
    /** The question under way is abandoned at once, while the sweep pass finishes. */
    async stopJobs(): Promise<void> {
      await Promise.all([questions.stop(), sweeper.stop()]);
    },
  };
}
