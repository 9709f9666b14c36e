import { Health } from '@checkout/chassis';
import { createApp, type AppDeps } from '../src/app';
import { createCheckout } from '../src/checkout';
import { createValidationClient, type ValidationClient } from '../src/clients/validation-client';
import { loadConfig } from '../src/config';
import { startRig, waitFor } from '../../test/support';
import { startFakeValidation } from './fake-validation';

/**
 * checkout-service wired as main.ts wires it (createCheckout), against the real Redis and Kafka broker of the test
 * run, with a prefix of its own; only validation-service is a stand-in (a real HTTP server).
 */
export interface HarnessOptions {
  consume?: boolean;
  /** Generous unless a test is about the cap: most tests place many orders for one customer. */
  maxUnpaidOrders?: number;
  /** Unlimited unless a test is about the rate limiter. */
  rateLimitPerMinute?: number;
  trustProxy?: boolean;
  /** REANNOUNCE_AFTER_MS of the order store (0: off, as unless a test is about it). */
  reannounceAfterMs?: number;
}

export async function startHarness({
  consume = false,
  maxUnpaidOrders = 1_000_000,
  rateLimitPerMinute,
  trustProxy = false,
  reannounceAfterMs = 0,
}: HarnessOptions = {}) {
  const rig = await startRig('checkout-service');
  const { prefix, logger, metrics, redis, outbox } = rig;
  const fake = await startFakeValidation();
  const {
    orders,
    changes,
    appDeps: deps,
    app,
    handlers,
  } = createCheckout({
    redis,
    outbox,
    prefix,
    http: { logger, metrics, health: new Health() },
    // The defaults main.ts gets from an empty environment, but for what the tests set.
    settings: {
      ...loadConfig({}),
      VALIDATION_URL: fake.url,
      RATE_LIMIT_PER_MINUTE: rateLimitPerMinute ?? 0,
      MAX_UNPAID_ORDERS_PER_CUSTOMER: maxUnpaidOrders,
      REANNOUNCE_AFTER_MS: reannounceAfterMs,
      TRUST_PROXY: trustProxy,
      // No deadline on the creating write or the key's claim: the tests about it make a store with one.
      REDIS_COMMAND_TIMEOUT_MS: 0,
    },
    statusPollMs: 100,
  });

  // Records which events the consumer finished handling, so tests wait for that instead of sleeping.
  const handled = consume ? (await rig.consume(handlers)).handled : [];

  return {
    prefix,
    redis,
    outbox,
    orders,
    changes,
    deps,
    app,
    fake,
    handled,
    appWith: (over: Partial<AppDeps>) => createApp({ ...deps, ...over }),
    validationAt: (url: string, timeoutMs: number): ValidationClient => createValidationClient(url, timeoutMs),
    /** Everything written to the outbox so far has been acknowledged by Kafka. */
    outboxDrained: () => waitFor(async () => (await redis.xlen(outbox.stream)) === 0, { what: 'outbox to drain' }),
    /**
     * Entries ever added to the outbox (XINFO STREAM's entries-added). Its length says nothing of
     * what a request wrote: the relay deletes entries as soon as Kafka has them.
     */
    async outboxAdded(): Promise<number> {
      const info = (await redis.xinfo('STREAM', outbox.stream).catch(() => [])) as unknown[];
      const at = info.indexOf('entries-added');
      return at < 0 ? 0 : Number(info[at + 1]);
    },
    async stop() {
      await fake.stop();
      await rig.stop();
    },
  };
}

export type Harness = Awaited<ReturnType<typeof startHarness>>;
