import type { KafkaMessage } from 'kafkajs';
import { HEADER_MAX_CHARS, dlqTopic, headerText, withoutCardNumbers } from '@checkout/contracts';
import type { ConsumerOptions } from './consumer-options';
import { deadLetterHeaders, headerBytes } from './dead-letter-headers';

/** Sends a consumed message to `dlq.<service>` with why and where from, counts it and logs it. */
export async function deadLetterMessage(
  opts: Pick<ConsumerOptions, 'service' | 'publisher' | 'metrics' | 'logger'>,
  topic: string,
  partition: number,
  message: KafkaMessage,
  reason: string,
  error: string,
): Promise<void> {
  // The original key, value and headers byte for byte (a poison value need not be text), so the
  // letter can be inspected and replayed as it came.
  const headers = Object.assign(
    headerBytes(message.headers),
    deadLetterHeaders({ service: opts.service, reason, error, topic, partition, offset: message.offset }),
  );
  await opts.publisher.send([{ topic: dlqTopic(opts.service), key: message.key, value: message.value, headers }]);
  opts.metrics.deadLettered.inc({ topic, reason });
  opts.metrics.eventsConsumed.inc({ topic, outcome: 'dead_lettered' });
  // The ids the headers carry, so the line is found by the order's correlation id like the rest.
  // Cut, and any card number masked: a letter may be here because a header was too long
  // (HEADER_TOO_LONG) or held one (CARD_NUMBER).
  const id = (name: string) => {
    const text = headerText(message.headers, name);
    return text === undefined ? undefined : withoutCardNumbers(text.slice(0, HEADER_MAX_CHARS));
  };
  const ids = { correlationId: id('x-correlation-id'), eventId: id('ce_id') };
  opts.logger.warn({ ...ids, topic, partition, offset: message.offset, reason, error }, 'message dead-lettered');
}
