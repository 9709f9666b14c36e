import { randomUUID } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import type { KafkaMessage } from 'kafkajs';
import {
  EventDecodeError,
  fromKafkaMessage,
  headerText,
  type CloudEvent,
  type EventType,
  REANNOUNCED_HEADER,
} from '@checkout/contracts';
import { lazyChild } from '../logger';
import { isTransientError } from '../errors';
import { inSpan } from '../tracing/otel';
import { traceIdOf } from '../tracing/traceparent';
import type { ConsumerOptions } from './consumer-options';
import { deadLetterMessage } from './dead-letter-message';
import { handlerContext, type EventHandler } from './handler-context';

/**
 * One message, from decode to handled or dead-lettered. Rejects when a stop leaves it for
 * redelivery, or when dead-lettering it failed.
 */
export async function handleMessage(
  opts: ConsumerOptions,
  isStopping: () => boolean,
  topic: string,
  partition: number,
  message: KafkaMessage,
): Promise<void> {
  const { metrics, logger } = opts;
  let event: CloudEvent;
  try {
    event = fromKafkaMessage(message);
  } catch (err) {
    const reason = err instanceof EventDecodeError ? err.reason : 'DECODE_FAILED';
    await deadLetterMessage(opts, topic, partition, message, reason, (err as Error).message);
    return;
  }
  const handler = opts.handlers[event.type as EventType] as EventHandler | undefined;
  if (!handler || event.type !== topic) {
    await deadLetterMessage(
      opts,
      topic,
      partition,
      message,
      'UNEXPECTED_TYPE',
      `ce_type ${event.type} on topic ${topic}`,
    );
    return;
  }
  const log = lazyChild(logger, () => ({
    eventId: event.id,
    eventType: event.type,
    correlationId: event.correlationId,
    ...(event.traceparent ? { traceId: traceIdOf(event.traceparent) } : {}),
  }));
  const reannounced = headerText(message.headers, REANNOUNCED_HEADER);
  let delivery: string | undefined;
  const deliveryId = () => (delivery ??= randomUUID());
  const maxAttempts = opts.maxAttempts ?? 5;
  const end = metrics.handlerDuration.startTimer({ topic });
  for (let attempt = 1; ; attempt++) {
    try {
      const span = {
        name: `${topic} process`,
        kind: 'consumer' as const,
        parent: event.traceparent,
        attributes: {
          'messaging.system': 'kafka',
          'messaging.destination.name': topic,
          'messaging.message.id': event.id,
        },
      };
      await inSpan(span, (traceparent) =>
        handler(event, handlerContext(opts.service, event, log, traceparent, reannounced, deliveryId)),
      );
      metrics.eventsConsumed.inc({ topic, outcome: 'handled' });
      end();
      return;
    } catch (err) {
      metrics.handlerErrors.inc({ topic });
      const transient = isTransientError(err);
      if (!transient && attempt >= maxAttempts) {
        end();
        await deadLetterMessage(opts, topic, partition, message, 'HANDLER_FAILED', (err as Error).message);
        return;
      }
      // A dependency being down is not the message's fault: keep it and retry until it is back.
      if (!isStopping()) {
        log.warn({ err, attempt, transient }, 'handler failed, retrying');
        await delay(Math.min(50 * 2 ** Math.min(attempt, 6), 2000));
      }
      // Unless stopping, now or during the backoff: then the batch is committed only up to this
      // message, and the member that takes the partition over retries it, instead of this one
      // outliving its deadline.
      if (isStopping()) {
        log.warn({ err, attempt, transient }, 'handler failed while stopping, left for redelivery');
        throw err;
      }
    }
  }
}
