import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface Metrics {
  registry: Registry;
  httpDuration: Histogram<'method' | 'route' | 'status'>;
  httpRequests: Counter<'method' | 'route' | 'status'>;
  eventsConsumed: Counter<'topic' | 'outcome'>;
  eventsPublished: Counter<'topic'>;
  handlerDuration: Histogram<'topic'>;
  handlerErrors: Counter<'topic'>;
  deadLettered: Counter<'topic' | 'reason'>;
  outboxBacklog: Gauge;
}

const EVENT_LOOP_SAMPLE_MS = 100;

/** One registry per service, with the counters every service reports. */
export function createMetrics(service: string): Metrics {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  // The event-loop delay histogram samples every 100 ms, not prom-client's default 10: each sample
  // is a timer that wakes an idle process, and 100 wake-ups a second cost 8–9 CPU ms/s per process
  // on a 2-core VM (~70 ms/s for the eight services). Ten samples a second still catch any stall
  // that matters to a probe or an alert.
  collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: EVENT_LOOP_SAMPLE_MS });
  const buckets = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];
  return {
    registry,
    httpDuration: new Histogram({
      name: 'http_request_duration_seconds',
      help: 'HTTP request latency by route and status',
      labelNames: ['method', 'route', 'status'],
      buckets,
      registers: [registry],
    }),
    // The histogram's _count says the same; a counter of its own is what dashboards and the
    // contract's "request counters" look for.
    httpRequests: new Counter({
      name: 'http_requests_total',
      help: 'HTTP requests by route and status',
      labelNames: ['method', 'route', 'status'],
      registers: [registry],
    }),
    eventsConsumed: new Counter({
      name: 'events_consumed_total',
      help: 'Events consumed by topic and outcome (handled, dead_lettered)',
      labelNames: ['topic', 'outcome'],
      registers: [registry],
    }),
    eventsPublished: new Counter({
      name: 'events_published_total',
      help: 'Events published to Kafka by topic',
      labelNames: ['topic'],
      registers: [registry],
    }),
    handlerDuration: new Histogram({
      name: 'event_handler_duration_seconds',
      help: 'Event handler latency by topic',
      labelNames: ['topic'],
      buckets,
      registers: [registry],
    }),
    handlerErrors: new Counter({
      name: 'event_handler_errors_total',
      help: 'Handler attempts that threw, by topic (each retry counts): a rising rate is where events are stuck',
      labelNames: ['topic'],
      registers: [registry],
    }),
    deadLettered: new Counter({
      name: 'dlq_messages_total',
      help: 'Messages sent to the dead-letter topic, by origin topic and reason',
      labelNames: ['topic', 'reason'],
      registers: [registry],
    }),
    outboxBacklog: new Gauge({
      name: 'outbox_backlog',
      help: 'Outbox entries written but not yet published',
      registers: [registry],
    }),
  };
}

/**
 * A service's own counter on its one registry, created on first use: the route, the handlers and
 * the tests that build them all get the same instance instead of a duplicate-name error.
 */
export function serviceCounter<L extends string = string>(
  registry: Registry,
  name: string,
  help: string,
  labelNames: readonly L[] = [],
): Counter<L> {
  const existing = registry.getSingleMetric(name);
  if (existing) return existing as Counter<L>;
  return new Counter({ name, help, labelNames, registers: [registry] });
}

/**
 * A service's own gauge read when scraped: `read` gives its value (undefined keeps the last one),
 * created on first use (see serviceCounter).
 */
export function serviceGauge(
  registry: Registry,
  name: string,
  help: string,
  read: () => Promise<number | undefined>,
): Gauge {
  const existing = registry.getSingleMetric(name);
  if (existing) return existing as Gauge;
  return new Gauge({
    name,
    help,
    registers: [registry],
    async collect() {
      const value = await read().catch(() => undefined);
      if (value !== undefined) this.set(value);
    },
  });
}

/** A service's own histogram on its one registry, created on first use (see serviceCounter). */
export function serviceHistogram<L extends string = string>(
  registry: Registry,
  name: string,
  help: string,
  buckets: number[],
  labelNames: readonly L[] = [],
): Histogram<L> {
  const existing = registry.getSingleMetric(name);
  if (existing) return existing as Histogram<L>;
  return new Histogram({ name, help, labelNames, buckets, registers: [registry] });
}
