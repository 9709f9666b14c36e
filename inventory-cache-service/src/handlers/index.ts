import type { HandlerMap } from '@checkout/chassis';
import type { StockStore } from '../store/stock-store';
import { onStockReleased } from './on-stock-released';
import { onStockReserved } from './on-stock-reserved';
import { onStockUpdated } from './on-stock-updated';

export const stockHandlers = (store: StockStore): HandlerMap => ({
  'stock.updated': onStockUpdated(store),
  'stock.reserved': onStockReserved(store),
  'stock.released': onStockReleased(store),
});
