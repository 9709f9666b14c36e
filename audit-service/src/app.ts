import { createHttpApp, type HttpAppDeps } from '@checkout/chassis';
import type { Express } from 'express';
import { auditRouter } from './routes/audit';
import type { AuditStore } from './store/audit-store';

export interface AppDeps extends HttpAppDeps {
  store: AuditStore;
}

export const createApp = (deps: AppDeps): Express =>
  createHttpApp(deps, (app) => {
    app.use(auditRouter(deps.store));
  });
