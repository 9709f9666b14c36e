import { ROOT_CONTEXT, SpanKind, SpanStatusCode, context, trace, type Span } from '@opentelemetry/api';
import { childTraceparent, formatTraceparent, parseTraceparent } from './traceparent';

let enabled = false;
let shutdown: (() => Promise<void>) | undefined;

/** Whether the OpenTelemetry SDK runs in this process (OTEL_EXPORTER_OTLP_ENDPOINT was set). */
export const tracingEnabled = (): boolean => enabled;

/**
 * Starts the OpenTelemetry NodeSDK with HTTP and express instrumentation and the OTLP/HTTP trace
 * exporter when OTEL_EXPORTER_OTLP_ENDPOINT is set. The instrumentations patch modules required
 * after it, so services start it from preload.ts, before anything else. Without it nothing is loaded: the services
 * still generate and pass W3C traceparents, which costs a few random bytes per request or event.
 */
export function startTracing(service: string, env: NodeJS.ProcessEnv = process.env): void {
  if (enabled || !env.OTEL_EXPORTER_OTLP_ENDPOINT) return;
  // Required lazily so a process without tracing never loads the SDK.
  /* eslint-disable @typescript-eslint/no-require-imports */
  const { NodeSDK } = require('@opentelemetry/sdk-node') as typeof import('@opentelemetry/sdk-node');
  const { OTLPTraceExporter } =
    require('@opentelemetry/exporter-trace-otlp-http') as typeof import('@opentelemetry/exporter-trace-otlp-http');
  const { HttpInstrumentation } =
    require('@opentelemetry/instrumentation-http') as typeof import('@opentelemetry/instrumentation-http');
  const { ExpressInstrumentation } =
    require('@opentelemetry/instrumentation-express') as typeof import('@opentelemetry/instrumentation-express');
  /* eslint-enable @typescript-eslint/no-require-imports */
  // Traces only, unless asked: the SDK would otherwise push metrics and logs over OTLP too, and
  // metrics are scraped from /metrics.
  env.OTEL_METRICS_EXPORTER ||= 'none';
  env.OTEL_LOGS_EXPORTER ||= 'none';
  const sdk = new NodeSDK({
    serviceName: env.OTEL_SERVICE_NAME ?? service,
    traceExporter: new OTLPTraceExporter(),
    instrumentations: [new HttpInstrumentation(), new ExpressInstrumentation()],
  });
  sdk.start();
  enabled = true;
  shutdown = () => sdk.shutdown();
}

/**
 * How long a stop waits for the last spans to be exported: a collector that is down must not hold
 * the process past its 10 s SIGTERM budget (the exporter's own timeout is 10 s per attempt).
 */
const FLUSH_TIMEOUT_MS = 2000;

/** Flushes spans not yet exported (shutdown step), giving up on them after FLUSH_TIMEOUT_MS. */
export const stopTracing = async (): Promise<void> => {
  if (!shutdown) return;
  let timer: NodeJS.Timeout | undefined;
  const givenUp = new Promise<void>((resolve) => (timer = setTimeout(resolve, FLUSH_TIMEOUT_MS).unref()));
  await Promise.race([shutdown(), givenUp]).finally(() => clearTimeout(timer));
};

const tracer = () => trace.getTracer('@checkout/chassis');

const spanTraceparent = (span: Span): string => {
  const sc = span.spanContext();
  return formatTraceparent({
    traceId: sc.traceId,
    spanId: sc.spanId,
    flags: sc.traceFlags.toString(16).padStart(2, '0'),
  });
};

const parentContext = (parent: string | undefined) => {
  const p = parseTraceparent(parent);
  if (!p) return ROOT_CONTEXT;
  return trace.setSpanContext(ROOT_CONTEXT, {
    traceId: p.traceId,
    spanId: p.spanId,
    traceFlags: parseInt(p.flags, 16),
    isRemote: true,
  });
};

/** The traceparent of the span the current HTTP request runs in (set by the HTTP instrumentation). */
export function activeTraceparent(): string | undefined {
  const span = enabled ? trace.getActiveSpan() : undefined;
  return span ? spanTraceparent(span) : undefined;
}

export interface SpanOptions {
  name: string;
  kind: 'producer' | 'consumer';
  parent: string | undefined;
  attributes?: Record<string, string>;
}

/**
 * Runs `fn` in a child span of `parent`, passing the span's traceparent. With tracing off the
 * "span" is only a fresh span id under the same trace id (a new trace when there is no parent).
 */
export async function inSpan<T>(opts: SpanOptions, fn: (traceparent: string) => Promise<T>): Promise<T> {
  if (!enabled) return fn(childTraceparent(opts.parent));
  const kind = opts.kind === 'producer' ? SpanKind.PRODUCER : SpanKind.CONSUMER;
  const span = tracer().startSpan(opts.name, { kind, attributes: opts.attributes ?? {} }, parentContext(opts.parent));
  try {
    return await context.with(trace.setSpan(parentContext(opts.parent), span), () => fn(spanTraceparent(span)));
  } catch (err) {
    span.recordException(err as Error);
    span.setStatus({ code: SpanStatusCode.ERROR, message: (err as Error).message });
    throw err;
  } finally {
    span.end();
  }
}

/**
 * Producer spans for records that carry a traceparent: each record's header is rewritten to its
 * span so the consumer's span is the producer's child. A no-op with tracing off.
 */
export function startProducerSpans<R extends { topic: string; headers: Record<string, string | Buffer> }>(
  records: R[],
): { records: R[]; end(err?: unknown): void } {
  if (!enabled) return { records, end: () => undefined };
  const spans: Span[] = [];
  const traced = records.map((r) => {
    if (!r.headers.traceparent) return r;
    const span = tracer().startSpan(
      `${r.topic} publish`,
      {
        kind: SpanKind.PRODUCER,
        attributes: {
          'messaging.system': 'kafka',
          'messaging.destination.name': r.topic,
          'messaging.message.id': r.headers.ce_id?.toString() ?? '',
        },
      },
      parentContext(r.headers.traceparent.toString()),
    );
    spans.push(span);
    return { ...r, headers: { ...r.headers, traceparent: spanTraceparent(span) } };
  });
  return {
    records: traced,
    end(err) {
      for (const span of spans) {
        if (err) span.setStatus({ code: SpanStatusCode.ERROR, message: (err as Error).message });
        span.end();
      }
    },
  };
}
