import type { EventHandler } from '@checkout/chassis';
import type { StockStore } from '../store/stock-store';

export const onStockReleased =
  (store: StockStore): EventHandler<'stock.released'> =>
  async (event, { log }) => {
    const applied = await store.apply(event.data.levels);
    log.debug({ orderId: event.data.orderId, applied }, 'stock.released levels applied');
  };
