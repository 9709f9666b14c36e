import { createHttpApp, type HttpAppDeps } from '@checkout/chassis';
import type { Express } from 'express';
import { notificationsRouter } from './routes/notifications';
import type { NotificationStore } from './store/notification-store';

export interface AppDeps extends HttpAppDeps {
  store: NotificationStore;
}

export const createApp = (deps: AppDeps): Express =>
  createHttpApp(deps, (app) => {
    app.use(notificationsRouter(deps.store));
  });
