import { DEAD_LETTERING_SERVICES } from '../topics';
import { SERVICE_PORTS, type ServiceName } from './flow';
import { jsonSchemaOf } from './json-schema';
import { error } from './openapi-fragments';
import { OPERATIONS } from './openapi-operations';
import { SCHEMAS } from './openapi-schemas';

/**
 * The services that keep their state in Redis, so that any of their operations answers 503 while it
 * cannot be reached: those that consume events or relay an outbox (both live in Redis).
 */
const REDIS_BACKED: ReadonlySet<ServiceName> = new Set<ServiceName>(DEAD_LETTERING_SERVICES);

const RETRY_AFTER = { description: 'Seconds to wait before trying again', schema: { type: 'integer' } };

type Responses = Record<string, Record<string, unknown>>;

/**
 * The answers the chassis gives on every route of a kind (libs/chassis/src/http), added where an
 * operation does not describe them itself: 413 and 415 to any body, 503 from a Redis-backed service,
 * and the Retry-After that comes with every 409 and 503.
 */
function withChassisAnswers(service: ServiceName, op: Record<string, unknown>): Record<string, unknown> {
  const responses: Responses = { ...(op.responses as Responses) };
  if (op.requestBody) {
    responses['413'] ??= error('PAYLOAD_TOO_LARGE: a body over 100 KB');
    responses['415'] ??= error('UNSUPPORTED_MEDIA_TYPE: a charset or Content-Encoding the service does not read');
  }
  if (REDIS_BACKED.has(service)) responses['503'] ??= error('DEPENDENCY_UNAVAILABLE: its Redis cannot be reached');
  for (const status of ['409', '503']) {
    const r = responses[status];
    if (r) responses[status] = { ...r, headers: { 'Retry-After': RETRY_AFTER, ...(r.headers as object) } };
  }
  const sorted = Object.fromEntries(Object.entries(responses).sort(([a], [b]) => a.localeCompare(b)));
  return { ...op, responses: sorted };
}

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
        ...withChassisAnswers(service, op),
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
        'Every service also answers GET /health, /health/live, /health/ready and /metrics. Errors are { error, message, details } (details empty when there are none). A path called with a method it does not take answers 405 METHOD_NOT_ALLOWED with Allow; every answer carries x-correlation-id (the one sent, or a new one). Money is integer cents. Generated from libs/contracts by `npm run docs:generate`: do not edit by hand.',
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
