import { auditOperations } from './openapi-audit-operations';
import { checkoutOperations } from './openapi-checkout-operations';
import type { Operations } from './openapi-fragments';
import { inventoryOperations } from './openapi-inventory-operations';
import { notificationOperations } from './openapi-notification-operations';
import { paymentOperations } from './openapi-payment-operations';
import { validationOperations } from './openapi-validation-operations';

/**
 * Every public endpoint, by path and method; each names the service (and so the port) that answers it.
 * The document lists the paths in the order they are spread here.
 */
export const OPERATIONS: Operations = {
  ...checkoutOperations,
  ...validationOperations,
  ...inventoryOperations,
  ...paymentOperations,
  ...notificationOperations,
  ...auditOperations,
};
