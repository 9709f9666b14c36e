import type { KafkaMessage } from 'kafkajs';
import { headerText } from '@checkout/contracts';

export interface DeadLetter {
  partition: number;
  offset: string;
  key: string;
  reason: string;
  error: string;
  /** When it was dead-lettered (ISO 8601, `dlq-failed-at`). */
  failedAt: string;
  originalTopic: string;
  originalPartition: string;
  originalOffset: string;
  eventId: string;
  value: string;
  headers: Record<string, string>;
  /** The original record's bytes, which a replay sends back unchanged (key, value and headers above are their text). */
  raw: Pick<KafkaMessage, 'key' | 'value' | 'headers'>;
}

/** Where a letter came from, as the CLI shows it: `topic/partition@offset`, or the topic alone. */
export const originOf = (l: Pick<DeadLetter, 'originalTopic' | 'originalPartition' | 'originalOffset'>): string =>
  l.originalPartition === '' ? l.originalTopic : `${l.originalTopic}/${l.originalPartition}@${l.originalOffset}`;

export const toDeadLetter = (partition: number, m: KafkaMessage): DeadLetter => {
  const headers: Record<string, string> = {};
  for (const k of Object.keys(m.headers ?? {})) headers[k] = headerText(m.headers, k) ?? '';
  return {
    partition,
    offset: m.offset,
    key: m.key?.toString() ?? '',
    reason: headers['dlq-reason'] ?? '',
    error: headers['dlq-error'] ?? '',
    failedAt: headers['dlq-failed-at'] ?? '',
    originalTopic: headers['dlq-original-topic'] ?? '',
    originalPartition: headers['dlq-original-partition'] ?? '',
    originalOffset: headers['dlq-original-offset'] ?? '',
    eventId: headers.ce_id ?? '',
    value: m.value?.toString() ?? '',
    headers,
    raw: { key: m.key, value: m.value, headers: m.headers },
  };
};
