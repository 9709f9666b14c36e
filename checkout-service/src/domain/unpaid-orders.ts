import { AppError } from '@checkout/chassis';

/**
 * OWASP API6: one customer holding many unpaid orders would take stock off the shelf without
 * paying. Off (0) unless MAX_UNPAID_ORDERS_PER_CUSTOMER sets it: the contract knows no such 429.
 */
export const DEFAULT_MAX_UNPAID_ORDERS = 0;

export const tooManyUnpaidOrders = (max: number): AppError =>
  new AppError(
    'TOO_MANY_UNPAID_ORDERS',
    429,
    `this customer already has ${max} unpaid orders; try again once one of them is paid or has failed`,
    [{ field: 'customer.id', code: 'too_many_unpaid_orders', message: `at most ${max} unpaid orders at once` }],
  );
