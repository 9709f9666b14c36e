// First: tracing must start before anything loads http or express.
import '@checkout/chassis/dist/tracing/preload';
import { Runtime, configOrExit } from '@checkout/chassis';
import { createApp } from './app';
import { loadConfig, shortestSafeLeaseMs } from './config';
import { createPayment } from './payment';

const config = configOrExit('payment-service', loadConfig);
const runtime = new Runtime({ service: 'payment-service', config, redisPrefix: 'payment', kafka: true });
const { redis, outbox, logger, metrics, prefix } = runtime;
const safeLeaseMs = shortestSafeLeaseMs(config);
if (config.PAYMENT_LEASE_MS < safeLeaseMs) {
  const { PAYMENT_LEASE_MS, PAYMENT_ATTEMPT_TIMEOUT_MS } = config;
  logger.warn(
    { PAYMENT_LEASE_MS, PAYMENT_ATTEMPT_TIMEOUT_MS, shortestSafeLeaseMs: safeLeaseMs },
    'PAYMENT_LEASE_MS is shorter than a charge can run between renewals: another instance may resume a charge still running',
  );
}
const payment = createPayment({ redis, outbox, logger, metrics, prefix, settings: config });
payment.startJobs();
runtime.onStop('background-jobs', () => payment.stopJobs());
runtime.onStop('charges-in-flight', () => payment.authorizer.drain());

const app = createApp({ ...runtime.http, store: payment.store });
void runtime.start(app, { groupId: 'payment-service', handlers: payment.handlers });
