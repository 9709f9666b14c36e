import { SERVICE_PORTS, type ServiceName } from './flow';
import { jsonSchemaOf } from './json-schema';
import { OPERATIONS } from './openapi-operations';
import { SCHEMAS } from './openapi-schemas';

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
