import { json, pathParam, schema, unknownId, type Operations } from './openapi-fragments';

export const paymentOperations: Operations = {
  '/payments/{orderId}': {
    get: {
      service: 'payment-service',
      summary: 'The payment of an order',
      parameters: [pathParam('orderId')],
      responses: {
        '200': { description: 'Payment', ...json(schema('PaymentView')) },
        '404': unknownId('order', 'orderId'),
      },
    },
  },
};
