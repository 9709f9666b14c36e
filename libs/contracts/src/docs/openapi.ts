import type { z } from 'zod';
import {
  CheckoutAccepted,
  CheckoutRequest,
  ErrorBody,
  InventoryItem,
  InventoryList,
  OrderView,
  PaymentView,
  Product,
  SetStockRequest,
  StockQueryRequest,
  StockQueryResponse,
  CachedStock,
  ValidateRequest,
  ValidateResponse,
} from '../http';
import { SERVICE_PORTS, type ServiceName } from './flow';
import { jsonSchemaOf } from './json-schema';

const SCHEMAS: Record<string, [z.ZodType, 'input' | 'output']> = {
  CheckoutRequest: [CheckoutRequest, 'input'],
  CheckoutAccepted: [CheckoutAccepted, 'output'],
  OrderView: [OrderView, 'output'],
  ValidateRequest: [ValidateRequest, 'input'],
  ValidateResponse: [ValidateResponse, 'output'],
  Product: [Product, 'output'],
  StockQueryRequest: [StockQueryRequest, 'input'],
  StockQueryResponse: [StockQueryResponse, 'output'],
  CachedStock: [CachedStock, 'output'],
  InventoryList: [InventoryList, 'output'],
  InventoryItem: [InventoryItem, 'output'],
  SetStockRequest: [SetStockRequest, 'input'],
  PaymentView: [PaymentView, 'output'],
  ErrorBody: [ErrorBody, 'output'],
};

const schema = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const json = (s: unknown) => ({ content: { 'application/json': { schema: s } } });
const error = (description: string) => ({ description, ...json(schema('ErrorBody')) });
const pathParam = (name: string) => ({ name, in: 'path', required: true, schema: { type: 'string' } });
const objectOf = (items: unknown) => ({ type: 'object', properties: { items: { type: 'array', items } } });

interface Op {
  service: ServiceName;
  summary: string;
  [k: string]: unknown;
}

/** Every public endpoint, by path and method; each names the service (and so the port) that answers it. */
const OPERATIONS: Record<string, Record<string, Op>> = {
  '/checkout': {
    post: {
      service: 'checkout-service',
      summary: 'Place an order: validates the cart, answers 202 PENDING and emits order.created',
      parameters: [
        {
          name: 'Idempotency-Key',
          in: 'header',
          required: false,
          schema: { type: 'string', minLength: 1, maxLength: 255 },
        },
        { name: 'x-correlation-id', in: 'header', required: false, schema: { type: 'string' } },
        { name: 'traceparent', in: 'header', required: false, schema: { type: 'string' } },
      ],
      requestBody: { required: true, ...json(schema('CheckoutRequest')) },
      responses: {
        '202': { description: 'Accepted; poll Location or the SSE stream', ...json(schema('CheckoutAccepted')) },
        '400': error('BAD_REQUEST: malformed input, details name each field'),
        '409': error('IDEMPOTENCY_KEY_IN_FLIGHT (Retry-After: 1)'),
        '422': error('VALIDATION_FAILED (with orderId) or IDEMPOTENCY_KEY_REUSED'),
        '429': error('Too many requests or too many unpaid orders, where those limits are set (off by default)'),
        '503': error('DEPENDENCY_UNAVAILABLE: validation cannot be reached; nothing emitted'),
      },
    },
  },
  '/orders/{orderId}': {
    get: {
      service: 'checkout-service',
      summary: 'Order status projection with its history',
      parameters: [pathParam('orderId')],
      responses: { '200': { description: 'The order', ...json(schema('OrderView')) }, '404': error('Unknown order') },
    },
  },
  '/orders/{orderId}/events': {
    get: {
      service: 'checkout-service',
      summary: 'Server-Sent Events: one `status` event per change; closes after a terminal status',
      parameters: [pathParam('orderId')],
      responses: {
        '200': { description: 'text/event-stream', content: { 'text/event-stream': { schema: { type: 'string' } } } },
        '404': error('Unknown order'),
        '503': error('TOO_MANY_STREAMS: the instance holds its most streams (Retry-After)'),
      },
    },
  },
  '/validate': {
    post: {
      service: 'validation-service',
      summary: 'Price a cart from the catalog and check promo codes and stock',
      requestBody: { required: true, ...json(schema('ValidateRequest')) },
      responses: {
        '200': { description: 'Pricing and errors', ...json(schema('ValidateResponse')) },
        '400': error('Malformed cart'),
      },
    },
  },
  '/products': {
    get: {
      service: 'validation-service',
      summary: 'The catalog',
      responses: { '200': { description: 'Products', ...json(objectOf(schema('Product'))) } },
    },
  },
  '/products/{productId}': {
    get: {
      service: 'validation-service',
      summary: 'One product',
      parameters: [pathParam('productId')],
      responses: { '200': { description: 'The product', ...json(schema('Product')) }, '404': error('Unknown product') },
    },
  },
  '/stock/query': {
    post: {
      service: 'inventory-cache-service',
      summary: 'Cached stock levels of several products',
      requestBody: { required: true, ...json(schema('StockQueryRequest')) },
      responses: { '200': { description: 'Levels', ...json(schema('StockQueryResponse')) } },
    },
  },
  '/stock/{productId}': {
    get: {
      service: 'inventory-cache-service',
      summary: 'Cached stock level of one product',
      parameters: [pathParam('productId')],
      responses: { '200': { description: 'Level', ...json(schema('CachedStock')) }, '404': error('Unknown product') },
    },
  },
  '/inventory': {
    get: {
      service: 'inventory-service',
      summary: 'Every stock level (source of truth)',
      responses: { '200': { description: 'Levels', ...json(schema('InventoryList')) } },
    },
  },
  '/inventory/{productId}': {
    get: {
      service: 'inventory-service',
      summary: 'One stock level; its ETag is its version',
      parameters: [pathParam('productId')],
      responses: { '200': { description: 'Level', ...json(schema('InventoryItem')) }, '404': error('Unknown product') },
    },
    put: {
      service: 'inventory-service',
      summary:
        'Set the available level (admin) and emit stock.updated; with If-Match (the ETag read), only if the product has not changed since',
      security: [{ admin: [] }],
      parameters: [
        pathParam('productId'),
        { name: 'If-Match', in: 'header', required: false, schema: { type: 'string', pattern: '^"[0-9]+"$' } },
      ],
      requestBody: { required: true, ...json(schema('SetStockRequest')) },
      responses: {
        '200': { description: 'Level', ...json(schema('InventoryItem')) },
        '400': error('BAD_REQUEST: malformed body or If-Match'),
        '401': error('Missing or wrong admin token'),
        '403': error('No ADMIN_TOKEN configured'),
        '412': error('PRECONDITION_FAILED: the product changed since the ETag in If-Match was read'),
      },
    },
  },
  '/payments/{orderId}': {
    get: {
      service: 'payment-service',
      summary: 'The payment of an order',
      parameters: [pathParam('orderId')],
      responses: { '200': { description: 'Payment', ...json(schema('PaymentView')) }, '404': error('Unknown order') },
    },
  },
  '/notifications': {
    get: {
      service: 'notification-service',
      summary: 'Notifications sent for an order (one per order and template)',
      parameters: [{ name: 'orderId', in: 'query', required: true, schema: { type: 'string' } }],
      responses: { '200': { description: 'Notifications', ...json(objectOf({ type: 'object' })) } },
    },
  },
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
      responses: { '200': { description: 'Events', ...json(objectOf({ type: 'object' })) } },
    },
  },
};

/** The HTTP API as an OpenAPI 3.1 document, generated from the zod schemas of libs/contracts/src/http.ts. */
export function openApiDocument(): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const [path, methods] of Object.entries(OPERATIONS)) {
    paths[path] = {};
    for (const [method, { service, ...op }] of Object.entries(methods)) {
      paths[path][method] = {
        tags: [service],
        operationId: `${service}.${method}.${path}`,
        servers: [{ url: `http://localhost:${SERVICE_PORTS[service]}`, description: service }],
        ...op,
      };
    }
  }
  const schemas = Object.fromEntries(
    Object.entries(SCHEMAS).map(([name, [s, io]]) => [name, jsonSchemaOf(s, 'draft-2020-12', io)]),
  );
  return {
    openapi: '3.1.0',
    info: {
      title: 'Checkout saga HTTP API',
      version: '1.0.0',
      description:
        'Every service also answers GET /health, /health/live, /health/ready and /metrics. Errors are { error, message, details? }. Money is integer cents. Generated from libs/contracts by `npm run docs:generate`: do not edit by hand.',
    },
    servers: [{ url: 'http://localhost:3000', description: 'checkout-service (each operation names its own service)' }],
    tags: Object.keys(SERVICE_PORTS)
      .filter((s) => s !== 'payment-gateway-mock')
      .map((name) => ({ name, description: `port ${SERVICE_PORTS[name as ServiceName]}` })),
    paths,
    components: {
      schemas,
      securitySchemes: { admin: { type: 'http', scheme: 'bearer', description: 'ADMIN_TOKEN' } },
    },
  };
}
