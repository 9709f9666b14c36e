import { Router } from 'express';
import swaggerUi from 'swagger-ui-express';
import { openApiDocument } from '@checkout/contracts';

type Operation = { servers?: { url: string; description?: string }[] };
type Paths = Record<string, Record<string, Operation>>;

/**
 * The document as checkout serves it: its own operations name the host the page came from (`/`),
 * so Swagger UI's "Try it out" reaches them whether it was opened at localhost, 127.0.0.1 or
 * another host name (a proxy that serves checkout under a path prefix would need that prefix
 * here). The page may call only its own origin (helmet's Content-Security-Policy), so the other
 * services' operations, which name their own ports, are for reading there (curl calls them).
 */
export function servedDocument(): Record<string, unknown> {
  const doc = openApiDocument();
  const paths = Object.fromEntries(
    Object.entries(doc.paths as Paths).map(([path, methods]) => [
      path,
      Object.fromEntries(
        Object.entries(methods).map(([method, op]) => [
          method,
          op.servers?.[0]?.description === 'checkout-service'
            ? { ...op, servers: [{ url: '/', description: 'checkout-service (this one)' }] }
            : op,
        ]),
      ),
    ]),
  );
  return { ...doc, paths };
}

/**
 * The HTTP API of the whole system (OpenAPI 3.1, generated from libs/contracts) at
 * GET /docs/openapi.json, and Swagger UI at GET /docs. Built once at start, from the same code
 * that writes docs/architecture/openapi.json.
 */
export function docsRouter(): Router {
  const doc = servedDocument();
  const router = Router();
  router.get('/docs/openapi.json', (_req, res) => {
    res.json(doc);
  });
  router.use('/docs', swaggerUi.serve, swaggerUi.setup(doc, { customSiteTitle: 'Checkout saga API' }));
  return router;
}
