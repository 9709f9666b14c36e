import fs from 'node:fs';
import path from 'node:path';
import { DEAD_LETTERING_SERVICES, EVENT_TYPES, dlqTopic } from '@checkout/contracts';
import { createHandlers as auditHandlers } from '../../audit-service/src/handlers';
import { createHandlers as checkoutHandlers } from '../../checkout-service/src/handlers';
import { stockHandlers } from '../../inventory-cache-service/src/handlers';
import { createHandlers as inventoryHandlers } from '../../inventory-service/src/handlers';
import { createHandlers as notificationHandlers } from '../../notification-service/src/handlers';
import { createHandlers as paymentHandlers } from '../../payment-service/src/handlers';
import { api } from './http';
import { checkoutBody } from './saga';
import { recordTopics, testKafka, type RecordedMessage } from './kafka';
import { waitFor } from './wait';
import { assertNoSecrets, plantCanary, type Canary } from './secrets';

/** Every service with a consumer group (its folder name is the group id and the DLQ suffix). */
export const CONSUMERS = DEAD_LETTERING_SERVICES;

export const ALL_TOPICS = [...EVENT_TYPES, ...CONSUMERS.map((s) => dlqTopic(s))];

interface ChildProcessLike {
  pid?: number;
  exitCode: number | null;
  signalCode: string | null;
  kill(signal?: string): boolean;
  once(event: 'exit', fn: (code: number | null, signal: string | null) => void): void;
}

export interface System {
  urls: Record<string, string>;
  adminToken: string;
  logDir: string;
  infra: {
    kafkaBrokers: string;
    redisUrl: string;
    redis: {
      restart(): Promise<void>;
      kill(): Promise<void>;
      freeze(): void;
      thaw(): void;
      /** Copies what Redis holds now (AOF on: everything it answered), for rollBack(). */
      checkpoint(): void;
      /** SIGKILL, then starts again on the last checkpoint's data: every write since is lost. */
      rollBack(): Promise<void>;
      url: string;
    };
    /** The broker the services use (the front before the mock, whose log outlives it). */
    kafka: {
      kill(): Promise<void>;
      restart(): Promise<void>;
      replaceEmpty(): Promise<void>;
      freeze(): void;
      thaw(): void;
    };
  };
  services: {
    processes: Map<string, { child: ChildProcessLike; url: string; logFile: string }>;
    kill(key: string, signal?: string): Promise<void>;
    restart(key: string, opts?: { wait?: boolean }): Promise<void>;
    stop(key: string): Promise<void>;
    ready(key: string): Promise<void>;
    pid(key: string): number | undefined;
  };
  stop(): Promise<void>;
}

type StartOptions = { env?: Record<string, string>; instances?: Record<string, number>; appendonly?: boolean };
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { startSystem } = require('./system') as { startSystem(o: StartOptions): Promise<System> };

/**
 * Free ports are picked, released, then bound by the services: another system starting on the same
 * machine can take one in between (EADDRINUSE). That is the harness's race, not the system's: retry.
 */
async function startWithRetry(o: StartOptions): Promise<System> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startSystem(o);
    } catch (err) {
      if (attempt >= 3 || !String((err as Error).message).includes('EADDRINUSE')) throw err;
      console.warn(`startSystem: a port was taken meanwhile (attempt ${attempt}), starting again`);
    }
  }
}

export interface ChaosContext {
  system: System;
  recorder: Awaited<ReturnType<typeof recordTopics>>;
  canary: Canary;
}

/**
 * Registers beforeAll/afterAll for one chaos file: a fresh system of its own, a recorder of every
 * topic (dead letters included), a canary card planted at the gateway and at checkout, and at the
 * end the proof that the canary never leaked into a log, an event, a dead letter or Redis.
 */
export function useChaosSystem(opts: StartOptions = {}): () => ChaosContext {
  let ctx: ChaosContext | undefined;
  beforeAll(async () => {
    const system = await startWithRetry(opts);
    process.env.SYSTEM_URLS = JSON.stringify(system.urls);
    process.env.ADMIN_TOKEN = system.adminToken;
    process.env.TEST_KAFKA_BROKERS = system.infra.kafkaBrokers;
    process.env.TEST_REDIS_URL = system.infra.redisUrl;
    process.env.SYSTEM_LOG_DIR = system.logDir;
    try {
      const recorder = await recordTopics(ALL_TOPICS, system.infra.kafkaBrokers);
      ctx = { system, recorder, canary: await plantCanary() };
    } catch (err) {
      await system.stop();
      throw err;
    }
  }, 120_000);
  afterAll(async () => {
    if (!ctx) return;
    const { system, recorder, canary } = ctx;
    try {
      const scanned = await assertNoSecrets({
        logDir: system.logDir,
        redisUrl: system.infra.redisUrl,
        messages: recorder.messages,
        canary,
      });
      console.log(`secrets: canary absent from ${JSON.stringify(scanned)}`);
      reportCrashes(system.logDir);
    } finally {
      await recorder.stop().catch(() => undefined);
      await system.stop();
    }
  }, 120_000);
  return () => {
    if (!ctx) throw new Error('the chaos system is not started');
    return ctx;
  };
}

/**
 * CI keeps no service logs: print what a service logged as fatal (an uncaught exception, a failed
 * start) or a shutdown that ran out of time, so a failure in this file can be traced from its
 * output. A green run prints nothing here.
 */
function reportCrashes(logDir: string): void {
  const lines: string[] = [];
  for (const file of fs.readdirSync(logDir)) {
    for (const line of fs.readFileSync(path.join(logDir, file), 'utf8').split('\n')) {
      if (line.includes('"level":"fatal"') || line.includes('"msg":"shutdown timed out"'))
        lines.push(`${file}: ${line}`);
    }
  }
  if (lines.length > 0) console.log(`service crashes:\n${lines.slice(-10).join('\n')}`);
}

export interface Attempt {
  status: number;
  orderId?: string;
  code?: string;
}

/**
 * POST /checkout that never throws: a connection error (a killed checkout) is status 0. `baseURL`
 * picks one checkout instance of several; by default the first.
 */
export async function tryCheckout(
  body: unknown,
  headers: Record<string, string> = {},
  baseURL?: string,
): Promise<Attempt> {
  try {
    const res = await api('checkout-service').post('/checkout', body, { headers, timeout: 15_000, baseURL });
    const code = res.data?.details?.[0]?.code ?? res.data?.error;
    return { status: res.status, orderId: res.data?.orderId, code };
  } catch {
    return { status: 0 };
  }
}

/** Tallies attempts by outcome for the printed figures. */
export function tally(attempts: Attempt[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const a of attempts) {
    const k =
      a.status === 202 ? 'accepted' : a.status === 0 ? 'connection-error' : `${a.status}${a.code ? ` ${a.code}` : ''}`;
    out[k] = (out[k] ?? 0) + 1;
  }
  return out;
}

export const accepted = (attempts: Attempt[]) =>
  attempts.filter((a) => a.status === 202 && a.orderId).map((a) => a.orderId!);

/** Runs `fn` over `items` with at most `limit` in flight. */
export async function pool<T, R>(items: T[], limit: number, fn: (t: T, i: number) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

/** Spacing between fault injections (never used to wait for an outcome). */
export const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

const STREAM_PRODUCTS = ['sku-003', 'sku-004', 'sku-005', 'sku-006', 'sku-007', 'sku-008'];

/**
 * A steady stream of `count` checkouts spread over `overMs` (each fired on schedule, not after the
 * previous answered), carts of one or two products from sku-003..008, one in ten paid with a card
 * the gateway declines. Resolves with every attempt once all answered.
 */
export async function orderStream(count: number, overMs: number): Promise<Attempt[]> {
  const bodies = await pool(
    Array.from({ length: count }, (_, i) => i),
    10,
    async (i) => {
      const a = STREAM_PRODUCTS[i % STREAM_PRODUCTS.length]!;
      const b = STREAM_PRODUCTS[(i * 7 + 3) % STREAM_PRODUCTS.length]!;
      const lines: [string, number][] =
        a === b || i % 3 === 0
          ? [[a, 1 + (i % 2)]]
          : [
              [a, 1],
              [b, 1],
            ];
      return checkoutBody(lines, i % 10 === 9 ? 'tok_insufficient_funds' : 'tok_visa');
    },
  );
  const started = Date.now();
  return Promise.all(
    bodies.map(async (body, i) => {
      const due = started + (i * overMs) / count;
      if (due > Date.now()) await pause(due - Date.now());
      return tryCheckout(body);
    }),
  );
}

/** A handler map's topics: the factories only close over what they are given, so none is needed here. */
const topicsOf = (handlers: object): string[] => Object.keys(handlers);
const NO_DEPS = {} as never;

/** What each consumer group reads: the keys of its service's own handler map, so the two cannot drift apart. */
export const SUBSCRIPTIONS: Record<(typeof CONSUMERS)[number], string[]> = {
  'inventory-cache-service': topicsOf(stockHandlers(NO_DEPS)),
  'inventory-service': topicsOf(inventoryHandlers(NO_DEPS, 0, NO_DEPS)),
  'payment-service': topicsOf(paymentHandlers(NO_DEPS, NO_DEPS)),
  'checkout-service': topicsOf(checkoutHandlers(NO_DEPS)),
  'notification-service': topicsOf(notificationHandlers(NO_DEPS)),
  'audit-service': topicsOf(auditHandlers(NO_DEPS)),
};

/**
 * Waits until every service's group has committed up to the end of every topic it reads: all
 * that was published so far has been handled (kafkajs commits after each batch).
 */
export async function waitForConsumersIdle(brokers: string, timeoutMs = 30_000) {
  const admin = testKafka(brokers).admin();
  await admin.connect();
  try {
    return await waitFor(
      async () => {
        for (const [groupId, topics] of Object.entries(SUBSCRIPTIONS)) {
          for (const topic of topics) {
            const ends = await admin.fetchTopicOffsets(topic);
            const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
            for (const p of ends) {
              const at = committed?.partitions.find((c) => c.partition === p.partition)?.offset ?? '-1';
              if (BigInt(p.high) > BigInt(p.low) && BigInt(at) < BigInt(p.high)) return false;
            }
          }
        }
        return true;
      },
      { timeoutMs, intervalMs: 100, what: 'every consumer group to catch up' },
    );
  } finally {
    await admin.disconnect();
  }
}

/**
 * Waits until `recorded` (a recorder's messages) holds everything on `topics` up to their end as
 * of now: what the test then reads from it is all that was published, not just what arrived first.
 */
export async function waitForRecorded(
  brokers: string,
  recorded: RecordedMessage[],
  topics: string[],
  timeoutMs = 15_000,
) {
  const admin = testKafka(brokers).admin();
  await admin.connect();
  let ends: { topic: string; partition: number; last: bigint }[];
  try {
    ends = (
      await Promise.all(
        topics.map(async (topic) =>
          (await admin.fetchTopicOffsets(topic))
            .filter((p) => BigInt(p.high) > BigInt(p.low))
            .map((p) => ({ topic, partition: p.partition, last: BigInt(p.high) - 1n })),
        ),
      )
    ).flat();
  } finally {
    await admin.disconnect();
  }
  await waitFor(
    () =>
      ends.every((e) =>
        recorded.some((m) => m.topic === e.topic && m.partition === e.partition && BigInt(m.offset) >= e.last),
      ),
    { timeoutMs, what: `the recorder to reach the end of ${topics.join(', ')}` },
  );
}
