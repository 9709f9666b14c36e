import type { EventHandler } from '@checkout/chassis';
import { failOrder, type HandlerDeps } from './move-order';

export const onPaymentFailed =
  (deps: HandlerDeps): EventHandler<'payment.failed'> =>
  async (event, ctx) => {
    await failOrder(deps, ctx, 'payment', event.data);
  };
