import { z } from 'zod';
import { Cents, Currency } from './money';
import { Customer, OrderId, PaymentToken } from './common';
import { Cart } from './cart-http';
import { ErrorBody } from './error-http';
import { ValidationDetail } from './validation-http';
import { withoutCardNumber } from './card-number';
import { TypedEmail } from './email';
import { humanText } from './human-text';

/**
 * What a checkout may carry, stricter than the order.created it becomes: no card number where one
 * does not belong (a shopper's slip would otherwise be stored, logged and sent to every consumer),
 * and names and ids that are text.
 */
export const CheckoutRequest = z.strictObject({
  cart: Cart,
  customer: Customer.extend({
    id: withoutCardNumber(humanText(Customer.shape.id)),
    name: withoutCardNumber(humanText(Customer.shape.name)),
    email: withoutCardNumber(TypedEmail),
  }),
  payment: z.strictObject({ token: withoutCardNumber(PaymentToken) }),
});
export type CheckoutRequest = z.infer<typeof CheckoutRequest>;

export const CheckoutAccepted = z.object({
  orderId: OrderId,
  status: z.literal('PENDING'),
  total: Cents,
  currency: Currency,
});

/** POST /checkout 422 VALIDATION_FAILED: the error body with the order id its order.failed carries. */
export const CheckoutRejected = ErrorBody.extend({
  error: z.literal('VALIDATION_FAILED'),
  orderId: OrderId,
  details: z.array(ValidationDetail),
});
export type CheckoutRejected = z.infer<typeof CheckoutRejected>;

export const IdempotencyKey = withoutCardNumber(z.string().min(1).max(255));
