import type { EventHandler } from '@checkout/chassis';
import { moveOrder, type HandlerDeps } from './move-order';

export const onPaymentFailed =
  (deps: HandlerDeps): EventHandler<'payment.failed'> =>
  async (event, ctx) => {
    const { orderId, code, reason } = event.data;
    await moveOrder(
      deps,
      ctx,
      orderId,
      { status: 'FAILED', at: event.time, fields: { stage: 'payment', code, reason } },
      () => ctx.newEvent('order.failed', { orderId, stage: 'payment', code, reason }),
    );
  };
