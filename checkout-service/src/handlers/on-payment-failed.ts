import type { EventHandler } from '@checkout/chassis';
import { failOrder, type HandlerDeps } from './move-order';

export const onPaymentFailed =
  (deps: HandlerDeps): EventHandler<'payment.failed'> =>
  (event, ctx) =>
    failOrder(deps, ctx, 'payment', event.data);
