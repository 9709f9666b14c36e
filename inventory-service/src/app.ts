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
}

export const createApp = (deps: AppDeps): Express =>
  createHttpApp(deps, (app) => {
    app.use(inventoryRouter(deps.stock, deps.adminToken));
    app.use(reservationsRouter(deps.reservations));
  });
