// First: tracing must start before anything loads http or express.
import '@checkout/chassis/dist/tracing/preload';
import { Runtime, configOrExit } from '@checkout/chassis';
import { createApp } from './app';
import { loadConfig } from './config';
import { createPayment } from './payment';

const config = configOrExit('payment-service', loadConfig);
const runtime = new Runtime({ service: 'payment-service', config, redisPrefix: 'payment', kafka: true });
const { redis, outbox, logger, metrics, prefix } = runtime;
const payment = createPayment({ redis, outbox, logger, metrics, prefix, settings: config });
payment.startJobs();
runtime.onStop('background-jobs', () => payment.stopJobs());
runtime.onStop('charges-in-flight', () => payment.authorizer.drain());

const app = createApp({ ...runtime.http, store: payment.store });
void runtime.start(app, { groupId: 'payment-service', handlers: payment.handlers });
