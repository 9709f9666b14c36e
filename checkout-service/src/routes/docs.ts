import { Router } from 'express';
import swaggerUi from 'swagger-ui-express';
import { openApiDocument } from '@checkout/contracts';

/**
 * The HTTP API of the whole system (OpenAPI 3.1, generated from libs/contracts) at
 * GET /docs/openapi.json, and Swagger UI at GET /docs. Built once at start, from the same code
 * that writes docs/architecture/openapi.json.
 */
export function docsRouter(): Router {
  const doc = openApiDocument();
  const router = Router();
  router.get('/docs/openapi.json', (_req, res) => {
    res.json(doc);
  });
  router.use('/docs', swaggerUi.serve, swaggerUi.setup(doc, { customSiteTitle: 'Checkout saga API' }));
  return router;
}
