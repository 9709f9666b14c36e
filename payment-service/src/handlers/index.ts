import type { HandlerMap } from '@checkout/chassis';
import type { PaymentStore } from '../store/payment-store';
import type { PaymentAuthorizer } from '../usecases/authorize-payment';
import { onOrderCreated } from './on-order-created';
import { onStockFailed } from './on-stock-failed';
import { onStockReserved } from './on-stock-reserved';

export const createHandlers = (store: PaymentStore, authorizer: PaymentAuthorizer): HandlerMap => ({
  'order.created': onOrderCreated(store, authorizer),
  'stock.reserved': onStockReserved(store, authorizer),
  'stock.failed': onStockFailed(store),
});
