import { createHttpApp, type HttpAppDeps } from '@checkout/chassis';
import type { Express } from 'express';
import { inventoryRouter } from './routes/inventory';
import { reservationsRouter } from './routes/reservations';
import type { ReservationStore } from './store/reservation-store';
import type { StockStore } from './store/stock-store';

export interface AppDeps extends HttpAppDeps {
  stock: StockStore;
  reservations: ReservationStore;
  adminToken: string | undefined;
  /** DEMO_STOCK: an empty store is then one the demo seed has not filled yet. */
  demoStock?: boolean;
}

export const createApp = (deps: AppDeps): Express =>
  createHttpApp(deps, (app) => {
    app.use(inventoryRouter(deps.stock, deps.adminToken, deps.demoStock ?? false));
    app.use(reservationsRouter(deps.reservations));
  });
