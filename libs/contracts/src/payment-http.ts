import { z } from 'zod';
import { Cents, Currency } from './money';
import { OrderId } from './common';

export const PaymentView = z.object({
  orderId: OrderId,
  status: z.enum(['AUTHORIZED', 'FAILED', 'PENDING']),
  paymentId: z.string().optional(),
  amount: Cents,
  currency: Currency,
  attempts: z.number().int(),
  code: z.string().optional(),
});
export type PaymentView = z.infer<typeof PaymentView>;
