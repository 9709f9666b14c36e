import type { EventHandler } from '@checkout/chassis';
import { orderIdOf, toAuditEntry } from '../domain/audit-entry';
import type { AuditStore } from '../store/audit-store';

/** Every event, whatever its type, is appended once; a redelivery (same ce_id) is a no-op. */
export const onAnyEvent =
  (store: AuditStore): EventHandler =>
  async (event, ctx) => {
    const recorded = await store.record(toAuditEntry(event), orderIdOf(event));
    if (!recorded) ctx.log.debug('event already in the audit log');
  };
