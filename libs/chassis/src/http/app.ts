import { randomUUID } from 'node:crypto';
import cors from 'cors';
import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import helmet from 'helmet';
import { isCorrelationId } from '@checkout/contracts';
import type { Logger } from 'pino';
import { contextOf, setRequestContext } from '../context';
import { activeTraceparent } from '../tracing/otel';
import { childTraceparent } from '../tracing/traceparent';
import type { Health } from '../health';
import type { Metrics } from '../metrics';
import { wasAdmitted } from './admin';
import { errorMiddleware, notFoundMiddleware } from './errors';
import { answerOptions, methodNotAllowed } from './method-not-allowed';

export interface HttpAppDeps {
  logger: Logger;
  health: Health;
  metrics: Metrics;
  /** Request body limit; larger bodies answer 413. */
  bodyLimit?: string;
  /**
   * Browser origins allowed to call this service from their pages (CORS), e.g.
   * `https://shop.example.com`, or `*` for any. None: no CORS headers, so only pages served from
   * this service's own origin (or a gateway in front of it) can read its answers.
   */
  corsOrigins?: readonly string[];
  /** Request headers a page may send beyond CORS_REQUEST_HEADERS (CORS_ALLOW_HEADERS: a vendor's tracing header, say). */
  corsAllowHeaders?: readonly string[];
}

/**
 * What a shop's page sends and reads: the request headers the contract names, and the response
 * headers it must see (Location of the new order, a replay, the correlation id, when to retry).
 * Last-Event-ID: a browser's EventSource sends it on reconnect without a preflight, but a
 * fetch-based SSE client that sets it itself is preflighted. tracestate and baggage go with
 * traceparent (W3C): OpenTelemetry's and Sentry's browser SDKs add them to every fetch, and a
 * preflight refusing them failed every checkout as a network error (a UI probe).
 */
const CORS_REQUEST_HEADERS = [
  'content-type',
  'idempotency-key',
  'x-correlation-id',
  'traceparent',
  'tracestate',
  'baggage',
  'last-event-id',
];
const CORS_EXPOSED_HEADERS = ['location', 'idempotent-replayed', 'x-correlation-id', 'retry-after'];

function corsFor(origins: readonly string[], extraHeaders: readonly string[] = []) {
  return cors({
    origin: origins.includes('*') ? '*' : [...origins],
    methods: ['GET', 'POST'],
    allowedHeaders: [...new Set([...CORS_REQUEST_HEADERS, ...extraHeaders])],
    exposedHeaders: CORS_EXPOSED_HEADERS,
    maxAge: 600,
  });
}

const CORRELATION_HEADER = 'x-correlation-id';

/**
 * The express app every service starts from: security headers, JSON parsing, correlation id,
 * request metrics, health and metrics routes. Routes go in `mount`; 404 and errors come last.
 */
export function createHttpApp(deps: HttpAppDeps, mount: (app: Express) => void): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.set('query parser', 'simple');
  // Without upgrade-insecure-requests: the services speak plain HTTP (TLS, where there is any, ends
  // in front of them), and with it a browser fetched the Swagger page's own scripts over https,
  // leaving /docs blank (Safari on localhost, any browser on another http address).
  app.use(helmet({ contentSecurityPolicy: { directives: { upgradeInsecureRequests: null } } }));
  // Answers carry customers' names and emails (orders, notifications, the audit log): kept by no
  // cache on the way. A route may say otherwise (the status stream's no-cache, the catalog's
  // private max-age).
  app.use((_req: Request, res: Response, next: NextFunction) => {
    res.setHeader('Cache-Control', 'no-store');
    next();
  });
  if (deps.corsOrigins?.length) app.use(corsFor(deps.corsOrigins, deps.corsAllowHeaders));
  app.use(correlation);
  app.use(requestMetrics(deps.metrics, deps.logger));
  app.use(express.json({ limit: deps.bodyLimit ?? '100kb', strict: false }));
  app.use(answerOptions(app));
  mountHealthRoutes(app, deps);
  mount(app);
  app.use(methodNotAllowed(app));
  app.use(notFoundMiddleware);
  app.use(errorMiddleware(deps.logger));
  return app;
}

function correlation(req: Request, res: Response, next: NextFunction): void {
  const given = req.header(CORRELATION_HEADER);
  // One that is a card number would be logged and sent with every event the request causes.
  const usable = given && isCorrelationId(given);
  const correlationId = usable ? given : randomUUID();
  res.setHeader(CORRELATION_HEADER, correlationId);
  // This request's span: the instrumentation's when tracing is on, else a child of the caller's
  // traceparent, or a new trace when the caller sent none (so every order has a trace id).
  const traceparent = activeTraceparent() ?? childTraceparent(req.header('traceparent'));
  setRequestContext(req, { correlationId, traceparent });
  next();
}

/** Request metrics, and the log line of each admin request let through (requireAdmin), once it ended. */
function requestMetrics(metrics: Metrics, logger: Logger) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const end = metrics.httpDuration.startTimer();
    // 'close' comes after every response, sent or not: one the client hung up on before it was
    // sent counts as 499, the status proxies log for a request its client closed.
    res.once('close', () => {
      // The matched route pattern keeps label cardinality bounded; unmatched paths share one label.
      const route = req.route?.path ? `${req.baseUrl}${String(req.route.path)}` : 'unmatched';
      const labels = { method: req.method, route, status: res.writableFinished ? String(res.statusCode) : '499' };
      end(labels);
      metrics.httpRequests.inc(labels);
      if (wasAdmitted(req)) {
        const { correlationId } = contextOf(req);
        logger.info({ ...labels, status: Number(labels.status), ip: req.ip, correlationId }, 'admin request');
      }
    });
    next();
  };
}

function mountHealthRoutes(app: Express, { health, metrics }: HttpAppDeps): void {
  app.get('/health/live', (_req, res) => {
    res.json({ status: 'up' });
  });
  app.get('/health/ready', async (_req, res) => {
    const report = await health.report();
    res.status(report.ready ? 200 : 503).json({ status: report.ready ? 'up' : 'down', ...report });
  });
  app.get('/health', async (_req, res) => {
    const report = await health.report();
    res.status(report.ready ? 200 : 503).json({
      status: report.ready ? 'up' : 'down',
      shuttingDown: health.shuttingDown,
      uptimeSeconds: Math.round(process.uptime()),
      checks: report.checks,
    });
  });
  app.get('/metrics', async (_req, res) => {
    res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });
}
