import type { z } from 'zod';
import { PaymentFailureCode } from './events/payment-failed';
import { StockFailureCode } from './events/stock-failed';
import { ValidationCode } from './validation-http';

/**
 * Formats for the generated docs only: what a client generator needs (a 64-bit integer, an ISO 8601
 * timestamp) without changing what the schema accepts when it parses.
 */
export const int64 = <S extends z.ZodNumber>(s: S): S => s.meta({ format: 'int64' });
export const timestamp = <S extends z.ZodString>(s: S): S => s.meta({ format: 'date-time' });

/** The codes an order can end with, by the stage that failed it. */
export const ORDER_CODES = `validation: ${ValidationCode.options.join(', ')}; stock: ${StockFailureCode.options.join(', ')}; payment: ${PaymentFailureCode.options.join(', ')}`;
