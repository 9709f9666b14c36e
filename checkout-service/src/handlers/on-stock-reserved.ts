import type { EventHandler } from '@checkout/chassis';
import { moveOrder, type HandlerDeps } from './move-order';

export const onStockReserved =
  (deps: HandlerDeps): EventHandler<'stock.reserved'> =>
  async (event, ctx) => {
    await moveOrder(deps, ctx, event.data.orderId, { status: 'STOCK_RESERVED' });
  };
