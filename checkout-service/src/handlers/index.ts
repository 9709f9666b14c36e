import type { HandlerMap } from '@checkout/chassis';
import type { HandlerDeps } from './move-order';
import { onPaymentAuthorized } from './on-payment-authorized';
import { onPaymentFailed } from './on-payment-failed';
import { onStockFailed } from './on-stock-failed';
import { onStockReserved } from './on-stock-reserved';

export type { HandlerDeps };

/** Every event checkout-service consumes: the status projection of the saga. */
export const createHandlers = (deps: HandlerDeps): HandlerMap => ({
  'stock.reserved': onStockReserved(deps),
  'stock.failed': onStockFailed(deps),
  'payment.authorized': onPaymentAuthorized(deps),
  'payment.failed': onPaymentFailed(deps),
});
