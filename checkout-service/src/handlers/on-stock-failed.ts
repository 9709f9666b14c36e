import type { EventHandler } from '@checkout/chassis';
import { moveOrder, type HandlerDeps } from './move-order';

export const onStockFailed =
  (deps: HandlerDeps): EventHandler<'stock.failed'> =>
  async (event, ctx) => {
    const { orderId, code, reason } = event.data;
    await moveOrder(
      deps,
      ctx,
      orderId,
      { status: 'FAILED', at: event.time, fields: { stage: 'stock', code, reason } },
      () => ctx.newEvent('order.failed', { orderId, stage: 'stock', code, reason }),
    );
  };
