import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface Metrics {
  registry: Registry;
  httpDuration: Histogram<'method' | 'route' | 'status'>;
  eventsConsumed: Counter<'topic' | 'outcome'>;
  eventsPublished: Counter<'topic'>;
  handlerDuration: Histogram<'topic'>;
  deadLettered: Counter<'topic' | 'reason'>;
  outboxBacklog: Gauge;
}

/** One registry per service, with the counters every service reports. */
export function createMetrics(service: string): Metrics {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry });
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
