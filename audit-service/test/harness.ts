import type { HandlerMap } from '@checkout/chassis';
import { startRig } from '../../test/support/component';
import { createApp } from '../src/app';
import { createHandlers } from '../src/handlers';
import { AuditStore } from '../src/store/audit-store';

/** audit-service's app, store and handlers on the real Redis and broker, under a prefix of its own. */
export async function startAuditApp() {
  const rig = await startRig('audit-service');
  const store = new AuditStore(rig.redis, rig.prefix);
  const app = createApp({ ...rig, store });
  return {
    app,
    store,
    handlers: createHandlers(store),
    consume: (handlers: HandlerMap) => rig.consume(handlers),
    stop: () => rig.stop(),
  };
}
