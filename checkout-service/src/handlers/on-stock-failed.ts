import type { EventHandler } from '@checkout/chassis';
import { failOrder, type HandlerDeps } from './move-order';

export const onStockFailed =
  (deps: HandlerDeps): EventHandler<'stock.failed'> =>
  async (event, ctx) => {
    await failOrder(deps, ctx, 'stock', event.data);
  };
