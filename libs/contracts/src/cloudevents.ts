import { randomUUID } from 'node:crypto';
import type { z } from 'zod';
import { EVENT_SCHEMAS, eventKey, type EventData } from './events';
import { isEventType, topicOf, type EventType } from './topics';
import { holdsCardNumber, withoutCardNumbers } from './card-number';
import { cut } from './text';

/** An event as our code sees it: CloudEvents 1.0 attributes plus the validated data. */
export interface CloudEvent<T extends EventType = EventType> {
  id: string;
  type: T;
  source: string;
  time: string;
  subject: string;
  correlationId: string;
  /** W3C trace context, carried when tracing is on. */
  traceparent?: string;
  data: EventData<T>;
}

/** A Kafka record in CloudEvents binary mode: attributes in headers, data as the JSON value. */
export interface KafkaRecord {
  topic: string;
  key: string;
  value: string;
  headers: Record<string, string>;
}

export class EventDecodeError extends Error {
  constructor(
    readonly reason: string,
    message: string,
  ) {
    super(message);
    this.name = 'EventDecodeError';
  }
}

export function createEvent<T extends EventType>(
  type: T,
  data: EventData<T>,
  meta: { source: string; correlationId: string; traceparent?: string },
): CloudEvent<T> {
  const parsed = EVENT_SCHEMAS[type].parse(data) as EventData<T>;
  return {
    id: randomUUID(),
    type,
    source: meta.source,
    time: new Date().toISOString(),
    subject: eventKey(type, parsed),
    correlationId: meta.correlationId,
    ...(meta.traceparent ? { traceparent: meta.traceparent } : {}),
    data: parsed,
  };
}

export function toKafkaRecord(event: CloudEvent): KafkaRecord {
  const headers: Record<string, string> = {
    ce_specversion: '1.0',
    ce_id: event.id,
    ce_type: event.type,
    ce_source: event.source,
    ce_time: event.time,
    ce_subject: event.subject,
    'content-type': 'application/json',
    'x-correlation-id': event.correlationId,
  };
  if (event.traceparent) headers.traceparent = event.traceparent;
  return { topic: topicOf(event.type), key: event.subject, value: JSON.stringify(event.data), headers };
}

/**
 * The longest a CloudEvents attribute header may be when consumed: ids, sources, subjects and times
 * are short (a uuid, a path, an order id). A longer one is a broken or hostile producer's, and it
 * would go on into dedupe keys, the audit log and every log line of the event.
 */
export const HEADER_MAX_CHARS = 256;

/**
 * Marks a copy of an event announced again, set by checkout on an order.created no answer reached
 * (its value: the how-manieth time) and passed on, same value, by inventory on the answer it
 * repeats; inventory also sets it, `expired:<n>`, on the stock.reserved of an expired reservation
 * it holds for a payment that stays pending. A service that handled the event before answers a
 * marked copy with what it answered first; an unmarked duplicate changes nothing and emits nothing.
 */
export const REANNOUNCED_HEADER = 'x-reannounced';

/**
 * A correlation id carried on as given (HTTP header or event header): 1–128 printable ASCII
 * characters, spaces only inside, so the ids clients already use (`order#1`, `abc/123`) come back
 * as sent. Anything else (control characters, other bytes, longer) is replaced.
 */
export const CORRELATION_ID_PATTERN = /^(?=.{1,128}$)[\x21-\x7e](?:[\x20-\x7e]*[\x21-\x7e])?$/;

/** A correlation id that can be carried on: of the pattern, and with no card number in it. */
export const isCorrelationId = (text: string): boolean => CORRELATION_ID_PATTERN.test(text) && !holdsCardNumber(text);

/** Attribute headers whose length is checked on consume. */
const BOUNDED_HEADERS = ['ce_id', 'ce_source', 'ce_subject', 'ce_time', 'traceparent'] as const;

/**
 * Attribute headers checked for a card number on consume: what goes on into dedupe keys, the audit
 * log and log lines. Not `traceparent`: random hex whose span id is now and then 16 Luhn-valid
 * digits, and only its parsed trace id is logged or carried on.
 */
const CARD_CHECKED_HEADERS = ['ce_id', 'ce_source', 'ce_subject', 'ce_time'] as const;

/** At most 64 characters of a value an error message quotes, with any card number in them masked. */
const quoted = (value: string): string => JSON.stringify(withoutCardNumbers(cut(value)));

type RawHeaders = Record<string, Buffer | string | (Buffer | string)[] | undefined>;

export function headerText(headers: RawHeaders | undefined, name: string): string | undefined {
  const raw = headers?.[name];
  const one = Array.isArray(raw) ? raw[0] : raw;
  return one === undefined ? undefined : one.toString();
}

/**
 * An event's data as a consumer reads it. Schemas are strict, so a producer never emits a field it
 * did not mean to; but events change only additively, and a consumer deployed before a field was
 * added must keep working while producers roll out: fields it does not know are dropped, not
 * refused. Anything else that fails the schema is still a violation.
 */
function parseConsumed(schema: z.ZodType, json: unknown): z.ZodSafeParseResult<unknown> {
  const first = schema.safeParse(json);
  if (first.success || !first.error.issues.every((i) => i.code === 'unrecognized_keys')) return first;
  const known = structuredClone(json);
  for (const issue of first.error.issues as z.core.$ZodIssueUnrecognizedKeys[]) {
    const holder = issue.path.reduce<unknown>((at, k) => (at as Record<PropertyKey, unknown>)[k], known);
    for (const key of issue.keys) delete (holder as Record<string, unknown>)[key];
  }
  return schema.safeParse(known);
}

/**
 * Decodes and validates a consumed record; throws EventDecodeError naming what is wrong. An
 * attribute header longer than HEADER_MAX_CHARS is refused (HEADER_TOO_LONG), and so is one of
 * CARD_CHECKED_HEADERS that holds a card number (CARD_NUMBER), unless it is the subject and that is
 * the event's own key.
 * An `x-correlation-id` that is not one (CORRELATION_ID_PATTERN) or holds a card number is replaced
 * by the event's id, as an HTTP request's is by a new one.
 */
export function fromKafkaMessage(message: { headers?: RawHeaders; value: Buffer | string | null }): CloudEvent {
  const h = (name: string) => headerText(message.headers, name);
  const type = h('ce_type');
  const id = h('ce_id');
  if (!type || !isEventType(type)) throw new EventDecodeError('UNKNOWN_TYPE', `unknown ce_type ${quoted(type ?? '')}`);
  if (!id) throw new EventDecodeError('MISSING_ID', 'missing ce_id header');
  for (const name of BOUNDED_HEADERS) {
    const length = h(name)?.length ?? 0;
    if (length > HEADER_MAX_CHARS) {
      throw new EventDecodeError('HEADER_TOO_LONG', `${name} is ${length} characters, more than ${HEADER_MAX_CHARS}`);
    }
  }
  let json: unknown;
  try {
    json = JSON.parse(message.value?.toString() ?? '');
  } catch {
    throw new EventDecodeError('NOT_JSON', 'value is not JSON');
  }
  const result = parseConsumed(EVENT_SCHEMAS[type], json);
  if (!result.success) {
    const issues = result.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new EventDecodeError('SCHEMA_VIOLATION', issues.join('; '));
  }
  const key = eventKey(type, result.data as never);
  for (const name of CARD_CHECKED_HEADERS) {
    const text = h(name);
    // The subject is the event's key (a product id may be a GTIN, which is no card number to refuse).
    if (text === undefined || (name === 'ce_subject' && text === key) || !holdsCardNumber(text)) continue;
    throw new EventDecodeError('CARD_NUMBER', `${name} holds a card number`);
  }
  const traceparent = h('traceparent');
  const correlationId = h('x-correlation-id');
  return {
    id,
    type,
    source: h('ce_source') ?? 'unknown',
    time: h('ce_time') ?? new Date().toISOString(),
    subject: h('ce_subject') ?? key,
    correlationId: correlationId !== undefined && isCorrelationId(correlationId) ? correlationId : id,
    ...(traceparent ? { traceparent } : {}),
    data: result.data as EventData<EventType>,
  };
}
