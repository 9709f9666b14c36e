// First: tracing must start before anything loads http or express.
import '@checkout/chassis/dist/tracing/preload';
import { Runtime } from '@checkout/chassis';
import { createApp } from './app';
import { createGatewayClient } from './clients/gateway-client';
import { withGatewayMetrics } from './clients/gateway-metrics';
import { loadConfig } from './config';
import { createHandlers } from './handlers';
import { GatewayQuestionsJob } from './jobs/gateway-questions-job';
import { RecoverySweeper } from './jobs/recovery-sweeper';
import { PaymentStore } from './store/payment-store';
import { PaymentAuthorizer } from './usecases/authorize-payment';
import { GatewayQuestions } from './usecases/gateway-questions';
import { StrandedCharges } from './usecases/stranded-charges';

const config = loadConfig(process.env);
const runtime = new Runtime({ service: 'payment-service', config, redisPrefix: 'payment', kafka: true });
const { redis, outbox, logger } = runtime;
const store = new PaymentStore(redis, outbox, runtime.prefix, config.RECORD_RETENTION_MS);
const gateway = withGatewayMetrics(
  createGatewayClient({
    baseURL: config.PAYMENT_GATEWAY_URL,
    maxRetries: config.PAYMENT_MAX_RETRIES,
    attemptTimeoutMs: config.PAYMENT_ATTEMPT_TIMEOUT_MS,
    backoffBaseMs: config.PAYMENT_BACKOFF_BASE_MS,
  }),
  runtime.metrics,
);
const stranded = new StrandedCharges(runtime.metrics, logger);
const authorizer = new PaymentAuthorizer({
  store,
  gateway,
  outbox,
  logger,
  stranded,
  leaseMs: config.PAYMENT_LEASE_MS,
});
const sweeper = new RecoverySweeper(store, authorizer, logger, config.PAYMENT_SWEEP_INTERVAL_MS);
const questions = new GatewayQuestionsJob({
  store,
  questions: new GatewayQuestions({ store, gateway, stranded, logger }),
  logger,
  intervalMs: config.PAYMENT_SWEEP_INTERVAL_MS,
});
sweeper.start();
questions.start();
// One step: the question under way is abandoned at once, while the sweep pass finishes.
runtime.onStop('background-jobs', async () => void (await Promise.all([questions.stop(), sweeper.stop()])));
runtime.onStop('charges-in-flight', () => authorizer.drain());

const app = createApp({ ...runtime.http, store });
void runtime.start(app, { groupId: 'payment-service', handlers: createHandlers(store, authorizer) });
