import { error, json, schema, type Operations } from './openapi-fragments';

export const notificationOperations: Operations = {
  '/notifications': {
    get: {
      service: 'notification-service',
      summary: 'Notifications sent for an order (one per order and template)',
      parameters: [{ name: 'orderId', in: 'query', required: true, schema: { type: 'string' } }],
      responses: {
        '200': { description: 'Notifications', ...json(schema('NotificationList')) },
        '400': error('BAD_REQUEST: orderId missing, or an unknown query parameter'),
      },
    },
  },
};
