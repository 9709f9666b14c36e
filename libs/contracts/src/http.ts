export * from './cart-http';
export * from './checkout-http';
export * from './validation-http';
export * from './inventory-http';
export * from './order-http';
export * from './payment-http';
export * from './error-http';
export * from './observer-http';
export { Customer, PaymentToken } from './common';
