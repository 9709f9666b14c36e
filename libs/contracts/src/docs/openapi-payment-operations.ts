import { error, json, pathParam, schema, type Operations } from './openapi-fragments';

export const paymentOperations: Operations = {
  '/payments/{orderId}': {
    get: {
      service: 'payment-service',
      summary: 'The payment of an order',
      parameters: [pathParam('orderId')],
      responses: {
        '200': { description: 'Payment', ...json(schema('PaymentView')) },
        '404': error('Unknown order: one detail naming orderId (a 404 without it is for a path no route takes)'),
      },
    },
  },
};
