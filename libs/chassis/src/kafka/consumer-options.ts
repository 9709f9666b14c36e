import type { Kafka } from 'kafkajs';
import type { Logger } from 'pino';
import type { Metrics } from '../metrics';
import type { HandlerMap } from './handler-context';
import type { Publisher } from './publisher';

export interface ConsumerOptions {
  kafka: Kafka;
  service: string;
  /** Fixed name: renaming a group makes it re-read every topic from the start. */
  groupId: string;
  handlers: HandlerMap;
  publisher: Publisher;
  logger: Logger;
  metrics: Metrics;
  maxWaitTimeInMs: number;
  sessionTimeout: number;
  partitionsConsumedConcurrently?: number;
  /**
   * Messages of one fetched batch handled at once. Handlers are idempotent and order-insensitive
   * (ARCHITECTURE.md), so a partition need not wait for one message's Redis round trips before the
   * next; 1 restores strict per-partition order.
   */
  messageConcurrency?: number;
  /**
   * Shortest time between the starts of two fetches: after a batch handled sooner, the next fetch
   * waits out the rest. 0 (the default) fetches again at once. Each batch holds once handled, so
   * the batches of one fetch are all handled before the hold only when `partitionsConsumedConcurrently`
   * is at least their number (the services run 16, and subscribe to at most 16 partitions on the
   * confirm path); the batches beyond it wait out the interval.
   */
  minFetchIntervalMs?: number;
  /** Attempts for a handler that throws a non-transient error before the message is dead-lettered. */
  maxAttempts?: number;
}

/** How often a member heartbeats: six times a session, and no more than twice a second. */
export const heartbeatIntervalOf = (sessionTimeout: number): number => Math.max(500, Math.floor(sessionTimeout / 6));
