import type { HandlerMap } from '@checkout/chassis';
import { EVENT_TYPES } from '@checkout/contracts';
import type { AuditStore } from '../store/audit-store';
import { onAnyEvent } from './on-any-event';

/** One handler for every topic: the audit log keeps all events alike. */
export const createHandlers = (store: AuditStore): HandlerMap =>
  Object.fromEntries(EVENT_TYPES.map((type) => [type, onAnyEvent(store)]));
