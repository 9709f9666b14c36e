import { error, json, objectOf, pathParam, schema, unknownId, type Operations } from './openapi-fragments';

export const validationOperations: Operations = {
  '/validate': {
    post: {
      service: 'validation-service',
      summary: 'Price a cart from the catalog and check promo codes and stock',
      requestBody: { required: true, ...json(schema('ValidateRequest')) },
      responses: {
        '200': { description: 'Pricing and errors', ...json(schema('ValidateResponse')) },
        '400': error('Malformed cart'),
        '503': error('DEPENDENCY_UNAVAILABLE: the stock cache cannot be reached'),
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
      responses: {
        '200': { description: 'The product', ...json(schema('Product')) },
        '404': unknownId('product', 'productId'),
      },
    },
  },
};
