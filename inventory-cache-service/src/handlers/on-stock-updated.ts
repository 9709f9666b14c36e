import type { EventHandler } from '@checkout/chassis';
import type { StockStore } from '../store/stock-store';

export const onStockUpdated =
  (store: StockStore): EventHandler<'stock.updated'> =>
  async (event, { log }) => {
    const { productId, available, version } = event.data;
    const applied = await store.apply([{ productId, available, version }]);
    log.debug({ productId, version, applied }, 'stock.updated applied');
  };
