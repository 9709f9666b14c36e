import { error, json, pathParam, schema, unknownId, type Operations } from './openapi-fragments';

const ETAG = {
  description: 'The level\'s version, quoted (`"<version>"`): send it back as If-Match',
  schema: { type: 'string' },
};

/** The cached levels (inventory-cache-service), then their source of truth (inventory-service). */
export const inventoryOperations: Operations = {
  '/stock/query': {
    post: {
      service: 'inventory-cache-service',
      summary: 'Cached stock levels of several products',
      requestBody: { required: true, ...json(schema('StockQueryRequest')) },
      responses: {
        '200': { description: 'Levels', ...json(schema('StockQueryResponse')) },
        '400': error('BAD_REQUEST: productIds missing, empty or malformed'),
        '503': error('DEPENDENCY_UNAVAILABLE: the cache is empty and inventory-service cannot fill it'),
      },
    },
  },
  '/stock/{productId}': {
    get: {
      service: 'inventory-cache-service',
      summary: 'Cached stock level of one product',
      parameters: [pathParam('productId')],
      responses: {
        '200': { description: 'Level', ...json(schema('CachedStock')) },
        '404': unknownId('product', 'productId'),
      },
    },
  },
  '/inventory': {
    get: {
      service: 'inventory-service',
      summary: 'Every stock level (source of truth)',
      responses: {
        '200': { description: 'Levels', ...json(schema('InventoryList')) },
        '503': error(
          'DEPENDENCY_UNAVAILABLE: its Redis cannot be reached, or (DEMO_STOCK) the store is empty and the demo seed has not run yet; Retry-After: 1',
        ),
      },
    },
  },
  '/inventory/{productId}': {
    get: {
      service: 'inventory-service',
      summary: 'One stock level; its ETag is its version',
      parameters: [pathParam('productId')],
      responses: {
        '200': { description: 'Level', headers: { ETag: ETAG }, ...json(schema('InventoryItem')) },
        '404': unknownId('product', 'productId'),
      },
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
        '200': { description: 'Level', headers: { ETag: ETAG }, ...json(schema('InventoryItem')) },
        '400': error('BAD_REQUEST: malformed body or If-Match'),
        '401': error('Missing or wrong admin token'),
        '403': error('No ADMIN_TOKEN configured'),
        '412': error('PRECONDITION_FAILED: the product changed since the ETag in If-Match was read'),
      },
    },
  },
};
