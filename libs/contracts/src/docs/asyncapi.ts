import { CORRELATION_ID_PATTERN, HEADER_MAX_CHARS, REANNOUNCED_HEADER } from '../cloudevents';
import { EVENT_SCHEMAS } from '../events';
import { EVENT_TYPES, dlqTopic, type EventType } from '../topics';
import { EVENT_FLOW, SERVICE_PORTS, type ServiceName } from './flow';
import { jsonSchemaOf } from './json-schema';

const ref = (path: string) => ({ $ref: path });
const schemaName = (type: EventType) =>
  type
    .split('.')
    .map((p) => p[0]!.toUpperCase() + p.slice(1))
    .join('');

/** CloudEvents 1.0 binary mode: the attributes travel as Kafka headers. */
const CLOUD_EVENT_HEADERS = {
  type: 'object',
  required: [
    'ce_specversion',
    'ce_id',
    'ce_type',
    'ce_source',
    'ce_time',
    'ce_subject',
    'content-type',
    'x-correlation-id',
  ],
  properties: {
    ce_specversion: { type: 'string', const: '1.0' },
    ce_id: {
      type: 'string',
      format: 'uuid',
      maxLength: HEADER_MAX_CHARS,
      description: 'Event id; consumers dedupe by it.',
    },
    ce_type: { type: 'string', description: 'The event type, equal to the topic.' },
    ce_source: {
      type: 'string',
      maxLength: HEADER_MAX_CHARS,
      description: 'The emitting service, e.g. /checkout-service.',
    },
    ce_time: { type: 'string', format: 'date-time', maxLength: HEADER_MAX_CHARS },
    ce_subject: {
      type: 'string',
      maxLength: HEADER_MAX_CHARS,
      description: 'The Kafka key: orderId (productId for stock.updated).',
    },
    'content-type': { type: 'string', const: 'application/json' },
    'x-correlation-id': {
      type: 'string',
      pattern: CORRELATION_ID_PATTERN.source,
      description:
        'Carried from the HTTP request through every event it causes; a consumer replaces one that does not match by the event id.',
    },
    traceparent: {
      type: 'string',
      pattern: '^00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$',
      maxLength: HEADER_MAX_CHARS,
      description: 'W3C trace context: one trace id from POST /checkout to the terminal event.',
    },
    [REANNOUNCED_HEADER]: {
      type: 'string',
      pattern: '^(expired:)?[1-9][0-9]*$',
      description:
        'Only on a copy announced again: checkout sets it on an order.created no answer reached (the how-manieth time), inventory passes it on with the answer it repeats; inventory also sets `expired:<n>` on the stock.reserved of an expired reservation it holds for a payment that stays pending (the how-manieth copy). A service that handled the event answers a marked copy with what it answered first; an unmarked duplicate changes nothing and emits nothing.',
    },
  },
};

/** The event catalogue as an AsyncAPI 3.0 document, generated from EVENT_SCHEMAS and EVENT_FLOW. */
export function asyncApiDocument(): Record<string, unknown> {
  const channels: Record<string, unknown> = {};
  const messages: Record<string, unknown> = {};
  const schemas: Record<string, unknown> = { CloudEventHeaders: CLOUD_EVENT_HEADERS };
  const operations: Record<string, unknown> = {};
  const opId = (service: ServiceName, verb: string, type: string) => `${service}.${verb}.${type}`;
  for (const type of EVENT_TYPES) {
    const flow = EVENT_FLOW[type];
    const key = type === 'stock.updated' ? 'productId' : 'orderId';
    schemas[schemaName(type)] = jsonSchemaOf(EVENT_SCHEMAS[type], 'draft-7');
    messages[type] = {
      name: type,
      title: type,
      summary: flow.summary,
      contentType: 'application/json',
      headers: ref('#/components/schemas/CloudEventHeaders'),
      payload: ref(`#/components/schemas/${schemaName(type)}`),
      bindings: { kafka: { key: { type: 'string', description: `the ${key}` }, bindingVersion: '0.5.0' } },
    };
    channels[type] = {
      address: type,
      title: type,
      description: `${flow.summary} Emitted by ${flow.producer}; consumed by ${flow.consumers.join(', ')}.`,
      messages: { [type]: ref(`#/components/messages/${type}`) },
    };
    const message = [ref(`#/channels/${type}/messages/${type}`)];
    operations[opId(flow.producer, 'send', type)] = {
      action: 'send',
      channel: ref(`#/channels/${type}`),
      summary: `${flow.producer} emits ${type} through its transactional outbox.`,
      messages: message,
    };
    for (const consumer of flow.consumers) {
      operations[opId(consumer, 'receive', type)] = {
        action: 'receive',
        channel: ref(`#/channels/${type}`),
        summary: `${consumer} consumes ${type} (consumer group ${consumer}).`,
        messages: message,
      };
    }
  }
  const consumers = Object.keys(SERVICE_PORTS).filter((s) =>
    Object.values(EVENT_FLOW).some((f) => f.consumers.includes(s as ServiceName)),
  );
  for (const service of consumers) {
    channels[dlqTopic(service)] = {
      address: dlqTopic(service),
      title: dlqTopic(service),
      description: `Dead letters of ${service}: the original record with dlq-reason, dlq-error and dlq-original-topic/partition/offset headers.`,
    };
  }
  return {
    asyncapi: '3.0.0',
    info: {
      title: 'Checkout saga events',
      version: '1.0.0',
      description:
        'Every event of the choreographed checkout saga. One topic per event type, named as the type; CloudEvents 1.0 binary mode (attributes in headers, JSON data as the value). Generated from libs/contracts by `npm run docs:generate`: do not edit by hand.',
    },
    defaultContentType: 'application/json',
    servers: {
      local: {
        host: 'localhost:9092',
        protocol: 'kafka',
        description: 'docker compose (Apache Kafka, KRaft, 6 partitions)',
      },
    },
    channels,
    operations,
    components: { schemas, messages },
  };
}
