import type { KafkaMessage } from 'kafkajs';

/** A record's headers as sent, one value each (the first of a repeated one), those `keep` names only. */
export function headerBytes(
  headers: KafkaMessage['headers'],
  keep: (name: string) => boolean = () => true,
): Record<string, string | Buffer> {
  const out: Record<string, string | Buffer> = {};
  for (const [k, v] of Object.entries(headers ?? {})) {
    const one = Array.isArray(v) ? v[0] : v;
    if (keep(k) && one !== undefined) out[k] = one;
  }
  return out;
}

/**
 * Every `dlq-reason` written: what a consumer could not decode (contracts' EventDecodeError:
 * NOT_JSON … CARD_NUMBER; DECODE_FAILED for anything else), an event its service has no
 * handler for, a handler that kept failing, and an event the outbox refused to publish.
 */
export const DEAD_LETTER_REASONS = [
  'NOT_JSON',
  'SCHEMA_VIOLATION',
  'UNKNOWN_TYPE',
  'MISSING_ID',
  'HEADER_TOO_LONG',
  'CARD_NUMBER',
  'DECODE_FAILED',
  'UNEXPECTED_TYPE',
  'HANDLER_FAILED',
  'INVALID_OUTGOING_EVENT',
] as const;

/**
 * The headers naming why a record was dead-lettered and where it came from: a consumed one by its
 * topic, partition and offset; an outgoing one (the outbox's) by the topic it was meant for only.
 */
export function deadLetterHeaders(letter: {
  service: string;
  reason: string;
  error: string;
  topic: string;
  partition?: number;
  offset?: string;
}): Record<string, string> {
  const { service, reason, error, topic, partition, offset } = letter;
  return {
    'dlq-reason': reason,
    'dlq-error': error.slice(0, 1000),
    // None for an outgoing entry that named no event's topic: a replay skips a letter without one.
    ...(topic ? { 'dlq-original-topic': topic } : {}),
    ...(partition === undefined || offset === undefined
      ? {}
      : { 'dlq-original-partition': String(partition), 'dlq-original-offset': offset }),
    'dlq-service': service,
    'dlq-failed-at': new Date().toISOString(),
  };
}
