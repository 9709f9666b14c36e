import { error, json, objectOf, pathParam, type Operations } from './openapi-fragments';

export const auditOperations: Operations = {
  '/audit/orders/{orderId}': {
    get: {
      service: 'audit-service',
      summary: 'Every event of an order, once each, in the order they happened (event time, then saga step)',
      parameters: [pathParam('orderId')],
      responses: {
        '200': {
          description: 'Timeline',
          ...json({
            type: 'object',
            properties: { orderId: { type: 'string' }, events: { type: 'array', items: { type: 'object' } } },
          }),
        },
      },
    },
  },
  '/audit/events': {
    get: {
      service: 'audit-service',
      summary: 'Recent events, optionally of one type',
      parameters: [
        { name: 'type', in: 'query', required: false, schema: { type: 'string' } },
        { name: 'limit', in: 'query', required: false, schema: { type: 'integer' } },
      ],
      responses: {
        '200': { description: 'Events', ...json(objectOf({ type: 'object' })) },
        '400': error('BAD_REQUEST: a bad limit or type, or an unknown query parameter'),
      },
    },
  },
};
