import { error, json, pathParam, schema, unknownId, type Operations } from './openapi-fragments';

const REPLAYED = {
  description: '`true` on an answer replayed for a repeated Idempotency-Key (absent on the first)',
  schema: { type: 'string', enum: ['true'] },
};

/**
 * What Swagger UI's "Try it out" sends unless edited: an order the demo catalog and stock accept
 * (the README's). Without it, the body generated from the schema failed validation (a UI probe).
 */
const CHECKOUT_EXAMPLE = {
  cart: { items: [{ productId: 'sku-001', quantity: 1, price: 2499 }] },
  customer: { id: 'c1', name: 'Ada', email: 'ada@example.com' },
  payment: { token: 'tok_visa' },
};

export const checkoutOperations: Operations = {
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
      requestBody: {
        required: true,
        content: { 'application/json': { schema: schema('CheckoutRequest'), example: CHECKOUT_EXAMPLE } },
      },
      responses: {
        '202': {
          description: 'Accepted; poll Location or the SSE stream',
          headers: {
            Location: { description: '/orders/{orderId}', schema: { type: 'string' } },
            'Idempotent-Replayed': REPLAYED,
          },
          ...json(schema('CheckoutAccepted')),
        },
        '400': error('BAD_REQUEST: malformed input, details name each field'),
        '409': error('IDEMPOTENCY_KEY_IN_FLIGHT (Retry-After: 1)'),
        '422': {
          headers: { 'Idempotent-Replayed': REPLAYED },
          description:
            'VALIDATION_FAILED with the orderId its order.failed carries and a detail per problem, or IDEMPOTENCY_KEY_REUSED (the key came with another body)',
          ...json({ oneOf: [schema('CheckoutRejected'), schema('ErrorBody')] }),
        },
        '429': error('Too many requests or too many unpaid orders, where those limits are set (off by default)'),
        '503': error(
          "DEPENDENCY_UNAVAILABLE: validation (or the stock cache behind it) or checkout's Redis cannot be reached; nothing recorded or emitted (Retry-After)",
        ),
      },
    },
  },
  '/admin/orders/open': {
    get: {
      service: 'checkout-service',
      summary:
        'Orders accepted and not yet ended, oldest first, with their status and how often their order.created was announced again (admin; runbook.md)',
      security: [{ admin: [] }],
      parameters: [
        {
          name: 'olderThanS',
          in: 'query',
          required: false,
          schema: { type: 'integer', minimum: 0, maximum: 2_592_000, default: 60 },
        },
        {
          name: 'limit',
          in: 'query',
          required: false,
          schema: { type: 'integer', minimum: 1, maximum: 1000, default: 100 },
        },
      ],
      responses: {
        '200': {
          description: '`total` open orders, the age of the oldest, and the first `limit` of them',
          ...json(schema('OpenOrders')),
        },
        '400': error('BAD_REQUEST: a query parameter out of range or unknown'),
        '401': error('Missing or wrong admin token'),
        '403': error('No ADMIN_TOKEN configured'),
      },
    },
  },
  '/orders/{orderId}': {
    get: {
      service: 'checkout-service',
      summary: 'Order status projection with its history',
      parameters: [pathParam('orderId')],
      responses: {
        '200': { description: 'The order', ...json(schema('OrderView')) },
        '404': unknownId('order', 'orderId'),
      },
    },
  },
  '/orders/{orderId}/events': {
    get: {
      service: 'checkout-service',
      summary:
        'Server-Sent Events: one `status` event per change (data `{ orderId, status, at, code?, reason?, shortages? }`; `shortages`, `[{ productId, requested, available }]`, on a FAILED from stock), those already made first, its `id` the history index; closes after a terminal status',
      parameters: [
        pathParam('orderId'),
        {
          name: 'Last-Event-ID',
          in: 'header',
          required: false,
          description: 'The last `id` a reconnecting client got: only the changes after it are sent',
          schema: { type: 'string' },
        },
      ],
      responses: {
        '200': {
          description:
            'text/event-stream. When the answer would be a 503 and the request accepts `text/event-stream` (EventSource does), a stream with only a comment naming the code and a `retry:` in ms (1–2 s, or 5–10 s for TOO_MANY_STREAMS), then its end: EventSource reconnects then, with its Last-Event-ID',
          content: { 'text/event-stream': { schema: { type: 'string' } } },
        },
        '204': { description: 'Last-Event-ID is the terminal status: nothing more will come (EventSource stops)' },
        '404': unknownId('order', 'orderId'),
        '503': error(
          'TOO_MANY_STREAMS: the instance holds its most streams (Retry-After), or DEPENDENCY_UNAVAILABLE: Redis cannot be reached; to a request that does not accept `text/event-stream` (which gets the 200 above)',
        ),
      },
    },
  },
};
