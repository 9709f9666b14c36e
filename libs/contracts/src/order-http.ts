import { z } from 'zod';
import { Cents, Currency } from './money';
import { OrderId, ProductId, Quantity } from './common';
import { ORDER_CODES, int64, timestamp } from './doc-formats';

export const OrderStatus = z.enum(['PENDING', 'STOCK_RESERVED', 'CONFIRMED', 'FAILED']);
export type OrderStatus = z.infer<typeof OrderStatus>;

export const OrderView = z.object({
  orderId: OrderId,
  status: OrderStatus,
  reason: z.string().optional(),
  code: z
    .string()
    .optional()
    .meta({ description: `Why it failed: ${ORDER_CODES}` }),
  items: z.array(z.object({ productId: ProductId, quantity: Quantity, unitPrice: Cents })),
  total: Cents,
  currency: Currency,
  paymentId: z.string().optional(),
  history: z.array(z.object({ status: OrderStatus, at: timestamp(z.string()) })),
});
export type OrderView = z.infer<typeof OrderView>;

/** GET /admin/orders/open (checkout, admin): orders accepted and not ended, oldest first. */
export const OpenOrders = z.object({
  /** Every open order, however many `items` lists. */
  total: z.number().int(),
  oldestAgeMs: int64(z.number().int()),
  items: z.array(
    z.object({
      orderId: OrderId,
      acceptedAt: timestamp(z.string()),
      ageMs: int64(z.number().int()),
      /** UNKNOWN when the order itself is gone (its Redis lost it). */
      status: z.enum([...OrderStatus.options, 'UNKNOWN']),
      /** How often its order.created was announced again. */
      reannounced: z.number().int(),
    }),
  ),
});
export type OpenOrders = z.infer<typeof OpenOrders>;
