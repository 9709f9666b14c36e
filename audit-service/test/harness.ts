import type { HandlerMap } from '@checkout/chassis';
import { startRig } from '../../test/support/component';
import { createApp } from '../src/app';
import { createHandlers } from '../src/handlers';
import { AuditStore } from '../src/store/audit-store';

/**
 * audit-service's app, store and handlers on the real Redis and broker, under a prefix of its own.
 * `retentionMs`: AUDIT_RETENTION_MS (0: kept for good).
 */
export async function startAuditApp({ retentionMs = 0 } = {}) {
  const rig = await startRig('audit-service');
  const store = new AuditStore(rig.redis, rig.prefix, retentionMs);
  const app = createApp({ ...rig, store });
  return {
    app,
    store,
    redis: rig.redis,
    prefix: rig.prefix,
    handlers: createHandlers(store),
    consume: (handlers: HandlerMap) => rig.consume(handlers),
    stop: () => rig.stop(),
  };
}
