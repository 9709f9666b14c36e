// First: tracing must start before anything loads http or express.
import '@checkout/chassis/dist/tracing/preload';
import { Runtime, configOrExit } from '@checkout/chassis';
import { createApp } from './app';
import { createChannel } from './channels';
import { loadConfig } from './config';
import { createHandlers } from './handlers';
import { CLAIM_LEASE_MS, NotificationStore } from './store/notification-store';
import { Notifier } from './usecases/notifier';

const config = configOrExit('notification-service', loadConfig);
// Lines written synchronously: without SMTP_URL the channel is a log line, which must be out before
// the notification is marked sent (a SIGKILL between the two lost the line, never the mark).
const runtime = new Runtime({
  service: 'notification-service',
  config,
  redisPrefix: 'notification',
  kafka: true,
  syncLogs: true,
});
const store = new NotificationStore(runtime.redis, runtime.prefix, CLAIM_LEASE_MS, config.RECORD_RETENTION_MS);
const notifier = new Notifier(store, createChannel(config, runtime.logger), runtime.logger);
const app = createApp({ ...runtime.http, store });
void runtime.start(app, { groupId: 'notification-service', handlers: createHandlers(notifier) });
