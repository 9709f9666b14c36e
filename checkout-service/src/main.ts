// First: tracing must start before anything loads http or express.
import '@checkout/chassis/dist/tracing/preload';
import { Runtime, configOrExit } from '@checkout/chassis';
import { createCheckout } from './checkout';
import { loadConfig } from './config';

const service = 'checkout-service';
const config = configOrExit('checkout-service', loadConfig);
const runtime = new Runtime({ service, config, redisPrefix: 'checkout', kafka: true, cors: true });
const { redis, outbox, prefix } = runtime;
const checkout = createCheckout({ redis, outbox, prefix, http: runtime.http, settings: config });
const started = runtime.start(checkout.app, { groupId: service, handlers: checkout.handlers });
const { reannouncer } = checkout;
if (reannouncer) {
  runtime.onStop('order re-announcer', () => reannouncer.stop());
  // Once the producer is up: what it adds to the outbox is published, not left waiting.
  void started.then(() => reannouncer.start()).catch(() => undefined);
}
