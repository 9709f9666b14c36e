import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { buildOrderCreated, createEvent, toKafkaRecord } from '@checkout/contracts';
import { testBrokers, testPublisher, waitFor } from '../../../test/support';
import { metricValue } from '../../../test/support/metrics';
import {
  EventConsumer,
  Health,
  Publisher,
  childTraceparent,
  createHttpApp,
  createKafka,
  createLogger,
  createMetrics,
  contextOf,
  newTraceparent,
  parseTraceparent,
  traceIdOf,
} from '../src';

const logger = createLogger('chassis-tracing-test', 'silent');
const W3C = /^00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/;

describe('W3C traceparent helpers', () => {
  it('when a trace starts, then its traceparent is valid and sampled', () => {
    expect(newTraceparent()).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
  });

  it('when a child span is made, then it keeps the trace id and flags and gets a new span id', () => {
    const parent = newTraceparent();
    const child = childTraceparent(parent);
    expect(parseTraceparent(child)).toEqual({
      traceId: traceIdOf(parent),
      spanId: expect.not.stringMatching(parseTraceparent(parent)!.spanId),
      flags: '01',
    });
  });

  it('when thousands of ids are drawn (the random pool refills several times), then none repeats', () => {
    const traces = Array.from({ length: 2000 }, () => newTraceparent());
    const spans = traces.map((t) => childTraceparent(t));
    expect(new Set(traces.map((t) => traceIdOf(t))).size).toBe(traces.length);
    expect(new Set([...traces, ...spans].map((t) => parseTraceparent(t)!.spanId)).size).toBe(2 * traces.length);
    for (const t of [...traces, ...spans]) expect(t).toMatch(W3C);
  });

  it('when the parent is missing or malformed (or all zeros), then a new trace starts', () => {
    for (const bad of [undefined, 'nope', `00-${'0'.repeat(32)}-${'a'.repeat(16)}-01`]) {
      expect(childTraceparent(bad)).toMatch(W3C);
      expect(parseTraceparent(bad)).toBeUndefined();
    }
  });
});

describe('HTTP request context', () => {
  const app = createHttpApp({ logger, health: new Health(), metrics: createMetrics('tracing-http') }, (a) => {
    a.get('/trace', (req, res) => {
      res.json({ traceparent: contextOf(req).traceparent });
    });
  });

  it('when the request carries a traceparent, then handling continues that trace in a span of its own', async () => {
    const given = newTraceparent();
    const { body } = await request(app).get('/trace').set('traceparent', given);
    expect(traceIdOf(body.traceparent)).toBe(traceIdOf(given));
    expect(body.traceparent).not.toBe(given);
  });

  it('when the request has no traceparent, then a new trace is started', async () => {
    const { body } = await request(app).get('/trace');
    expect(body.traceparent).toMatch(W3C);
  });
});

describe('event consumer trace context and handler errors', () => {
  const service = `chassis-tracing-${randomUUID().slice(0, 8)}`;
  const kafka = createKafka({ brokers: testBrokers(), clientId: service, logger });
  const metrics = createMetrics(service);
  const publisher = new Publisher(kafka, metrics);
  const orderId = `ord_${randomUUID()}`;
  let attempts = 0;
  let seen: { inContext?: string; emitted?: string } | undefined;
  let consumer: EventConsumer;
  let pub: Awaited<ReturnType<typeof testPublisher>>;

  beforeAll(async () => {
    await publisher.connect();
    pub = await testPublisher();
    consumer = new EventConsumer({
      kafka,
      service,
      groupId: service,
      publisher,
      logger,
      metrics,
      maxWaitTimeInMs: 10,
      sessionTimeout: 6000,
      handlers: {
        'order.created': async (event, ctx) => {
          if (event.data.orderId !== orderId) return;
          attempts += 1;
          if (attempts === 1) throw new Error('first attempt fails');
          const emitted = ctx.newEvent('order.confirmed', { orderId, paymentId: 'ch_1', total: 1, currency: 'USD' });
          seen = { inContext: ctx.trace.traceparent, emitted: emitted.traceparent };
        },
      },
    });
    await consumer.start();
    await waitFor(() => consumer.ready, { what: 'consumer to join' });
  });

  afterAll(async () => {
    await consumer.stop();
    await pub.stop();
    await publisher.disconnect();
  });

  it('when an event carries a traceparent, then its handler runs in a child span and what it emits continues the trace; a throwing attempt is counted per topic', async () => {
    const traceparent = newTraceparent();
    const event = createEvent('order.created', buildOrderCreated({ orderId }), {
      source: '/test',
      correlationId: randomUUID(),
      traceparent,
    });
    const r = toKafkaRecord(event);
    await pub.publishRaw(r.topic, r.value, r.headers, r.key);

    const got = await waitFor(() => seen, { what: 'the handler to succeed on its retry' });
    expect(traceIdOf(got.inContext)).toBe(traceIdOf(traceparent));
    expect(got.inContext).not.toBe(traceparent);
    expect(got.emitted).toBe(got.inContext);

    const text = await metrics.registry.metrics();
    expect(metricValue(text, 'event_handler_errors_total', { topic: 'order.created' })).toBe(1);
    expect(metricValue(text, 'events_consumed_total', { topic: 'order.created', outcome: 'handled' })).toBeGreaterThan(
      0,
    );
  });
});
