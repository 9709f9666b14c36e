import { EVENT_TYPES } from '../topics';
import { error, json, pathParam, schema, type Operations } from './openapi-fragments';

export const auditOperations: Operations = {
  '/audit/orders/{orderId}': {
    get: {
      service: 'audit-service',
      summary: 'Every event of an order, once each, in the order they happened (event time, then saga step)',
      parameters: [pathParam('orderId')],
      responses: {
        '200': { description: 'Timeline', ...json(schema('AuditTimeline')) },
      },
    },
  },
  '/audit/events': {
    get: {
      service: 'audit-service',
      summary: 'The newest events (limit), optionally of one type',
      parameters: [
        { name: 'type', in: 'query', required: false, schema: { type: 'string', enum: [...EVENT_TYPES] } },
        {
          name: 'limit',
          in: 'query',
          required: false,
          schema: { type: 'integer', minimum: 1, maximum: 1000, default: 100 },
        },
      ],
      responses: {
        '200': { description: 'The newest events, oldest of them first', ...json(schema('AuditEventList')) },
        '400': error('BAD_REQUEST: a bad limit or type, or an unknown query parameter'),
      },
    },
  },
};
