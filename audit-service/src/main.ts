// First: tracing must start before anything loads http or express.
import '@checkout/chassis/dist/tracing/preload';
import { Runtime, configOrExit } from '@checkout/chassis';
import { createApp } from './app';
import { loadConfig } from './config';
import { createHandlers } from './handlers';
import { AuditStore } from './store/audit-store';

const config = configOrExit('audit-service', loadConfig);
const runtime = new Runtime({ service: 'audit-service', config, redisPrefix: 'audit', kafka: true });
const store = new AuditStore(runtime.redis, runtime.prefix, config.AUDIT_RETENTION_MS);
const app = createApp({ ...runtime.http, store });
void runtime.start(app, { groupId: 'audit-service', handlers: createHandlers(store) });
