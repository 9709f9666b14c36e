import type { EventHandler } from '@checkout/chassis';
import type { StockStore } from '../store/stock-store';

export const onStockReserved =
  (store: StockStore): EventHandler<'stock.reserved'> =>
  async (event, { log }) => {
    const applied = await store.apply(event.data.levels);
    log.debug({ orderId: event.data.orderId, applied }, 'stock.reserved levels applied');
  };
