import { Kafka, logLevel, type LogEntry, type SASLOptions } from 'kafkajs';
import type { Logger } from 'pino';
import type { KafkaSecurity } from '../config';
import { fixKafkaRequestQueue } from './request-queue-fix';

export interface KafkaSettings {
  brokers: string[];
  /** TLS and SASL (kafkaSecurity); none unless given. */
  security?: KafkaSecurity;
  clientId: string;
  logger: Logger;
  /** Retries of a failed request or connection (8, about 30 s in all, unless set). */
  retries?: number;
  /** How long a request waits for its answer (kafkajs' 30 s unless set). */
  requestTimeoutMs?: number;
}

const LEVELS: Record<number, 'error' | 'warn' | 'info' | 'debug'> = {
  [logLevel.ERROR]: 'error',
  [logLevel.WARN]: 'warn',
  [logLevel.INFO]: 'info',
  [logLevel.DEBUG]: 'debug',
};

/**
 * What a rebalance answers routinely, whenever a member joins or leaves (every rollout, every
 * scale-up): kafkajs logs these responses at error, then re-joins by itself. Logged at warn, so an
 * alert on error lines does not fire on each deploy; a member evicted over and over (a handler
 * outlasting the session timeout) still shows at warn, and one that cannot stay in its group as
 * the consumer's crashes (kafka_consumer_crashes_total, an error when they repeat) and on
 * readiness. The texts are kafkajs' own for REBALANCE_IN_PROGRESS, ILLEGAL_GENERATION and
 * UNKNOWN_MEMBER_ID (kafkajs/src/protocol/error.js; a test checks they still are).
 */
export const REBALANCE_ANSWERS = [
  'group is rebalancing',
  'generation id is not valid',
  'coordinator is not aware of this member',
];
const isRebalanceAnswer = (...texts: unknown[]) =>
  texts.some((t) => typeof t === 'string' && REBALANCE_ANSWERS.some((answer) => t.includes(answer)));

/** What kafkajs logs; `correlationId` on a request's lines is the protocol's request number. */
type KafkaLogFields = LogEntry['log'] & { correlationId?: number };

export function createKafka({
  brokers,
  clientId,
  logger,
  retries = 8,
  requestTimeoutMs,
  security,
}: KafkaSettings): Kafka {
  fixKafkaRequestQueue();
  const log = logger.child({ component: 'kafkajs' });
  return new Kafka({
    clientId,
    brokers,
    logLevel: logLevel.WARN,
    retry: { initialRetryTime: 100, retries },
    ...(requestTimeoutMs === undefined ? {} : { requestTimeout: requestTimeoutMs }),
    ...(security?.ssl ? { ssl: true } : {}),
    // One of kafkajs' three shapes, by mechanism: TypeScript does not split the union by itself.
    ...(security?.sasl ? { sasl: security.sasl as SASLOptions } : {}),
    logCreator:
      () =>
      ({ level, log: entry }: LogEntry) => {
        // kafkajs' own correlationId is the protocol's request number: renamed, so the line keeps
        // the process' correlation id like every other line no request or event caused.
        const { message, correlationId: kafkaCorrelationId, ...rest } = entry as KafkaLogFields;
        const fields = kafkaCorrelationId === undefined ? rest : { ...rest, kafkaCorrelationId };
        const routine = level === logLevel.ERROR && isRebalanceAnswer(message, (rest as { error?: unknown }).error);
        log[routine ? 'warn' : (LEVELS[level] ?? 'info')](fields, message);
      },
  });
}

/**
 * Makes sure topics exist before anyone subscribes. Brokers without CreateTopics (the local
 * mock) auto-create a topic on its first metadata request, which this call makes.
 */
export async function ensureTopics(kafka: Kafka, topics: string[]): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.fetchTopicMetadata({ topics });
  } finally {
    await admin.disconnect();
  }
}

/**
 * Resolves once `groupId` has committed every partition of `topics` up to where the topics ended
 * when it was called: what was waiting then is handled. Work that must not run ahead of pending
 * events (inventory's expiry sweeper after an outage) waits for it. Polls the committed offsets
 * every `intervalMs`; the consumer commits what it handled about once a second. `stopped` ends the
 * wait early (shutdown) with false.
 */
export async function waitUntilCaughtUp(
  kafka: Kafka,
  groupId: string,
  topics: string[],
  { intervalMs = 500, stopped = () => false }: { intervalMs?: number; stopped?: () => boolean } = {},
): Promise<boolean> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const ends = new Map<string, bigint>();
    for (const topic of topics) {
      for (const p of await admin.fetchTopicOffsets(topic)) {
        if (BigInt(p.high) > BigInt(p.low)) ends.set(`${topic}|${p.partition}`, BigInt(p.high));
      }
    }
    for (;;) {
      if (stopped()) return false;
      const behind = new Set(ends.keys());
      for (const { topic, partitions } of await admin.fetchOffsets({ groupId, topics })) {
        for (const { partition, offset } of partitions) {
          const end = ends.get(`${topic}|${partition}`);
          if (end !== undefined && BigInt(offset) >= end) behind.delete(`${topic}|${partition}`);
        }
      }
      if (behind.size === 0) return true;
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
    }
  } finally {
    await admin.disconnect();
  }
}
