import { randomUUID } from 'node:crypto';
import { Health, type EventHandler, type HandlerContext } from '@checkout/chassis';
import { createEvent, type CloudEvent, type EventData } from '@checkout/contracts';
import { startRig } from '../../test/support/component';
import { createApp } from '../src/app';
import type { PaymentClient } from '../src/clients/payment-client';
import { createInventory } from '../src/inventory';

export interface HarnessOptions {
  /** What payment-service says of an order when the sweeper asks (default: it never held it). */
  payments?: PaymentClient;
  ttlMs?: number;
  graceMs?: number;
  sweepMs?: number;
  /** HELD_REANNOUNCE_AFTER_MS and HELD_REANNOUNCE_MAX_TIMES (defaults 60 s and 6, as in config). */
  heldReannounceAfterMs?: number;
  heldReannounceMaxTimes?: number;
  adminToken?: string;
}

type Consumed = 'order.created' | 'payment.authorized' | 'payment.failed';

export const ADMIN_TOKEN = 'test-admin-token';

/**
 * A product created by seeding or an admin PUT starts at the store's clock in ms (so its versions
 * stay above those of a store that was lost), which places its first version in the time around it.
 */
export const expectStartedBetween = (version: number, from: number, to = Date.now()) => {
  expect(version).toBeGreaterThanOrEqual(from);
  expect(version).toBeLessThanOrEqual(to);
};

/**
 * The service as main.ts wires it, against the run's real Redis (under a prefix of its own) and
 * the mock broker: the outbox relay publishes what the scripts write.
 */
export async function startInventory(opts: HarnessOptions = {}) {
  const rig = await startRig('inventory-service');
  const { prefix, logger, metrics, redis, kafka, publisher, outbox } = rig;
  const inventory = createInventory({
    redis,
    outbox,
    logger,
    metrics,
    prefix,
    payments: opts.payments ?? { state: async () => 'none' },
    settings: {
      RESERVATION_TTL_MS: opts.ttlMs ?? 900_000,
      RESERVATION_GRACE_MS: opts.graceMs ?? 10_000,
      EXPIRY_SWEEP_MS: opts.sweepMs ?? 250,
      HELD_REANNOUNCE_AFTER_MS: opts.heldReannounceAfterMs ?? 60_000,
      HELD_REANNOUNCE_MAX_TIMES: opts.heldReannounceMaxTimes ?? 6,
    },
  });
  const adminToken = 'adminToken' in opts ? opts.adminToken : ADMIN_TOKEN;
  const app = createApp({ logger, health: new Health(), metrics, ...inventory, adminToken });

  /**
   * Hands an event to its handler as the consumer would (a fresh ce_id unless one is given; a new
   * delivery id unless `deliveryId` names the delivery a retry belongs to).
   */
  const deliver = async <T extends Consumed>(
    type: T,
    data: EventData<T>,
    meta: { id?: string; correlationId?: string; reannounced?: string; deliveryId?: string } = {},
  ): Promise<CloudEvent<T>> => {
    const correlationId = meta.correlationId ?? randomUUID();
    const event = {
      ...createEvent(type, data, { source: '/test', correlationId }),
      ...(meta.id ? { id: meta.id } : {}),
    };
    const delivery = meta.deliveryId ?? randomUUID(); // one per delivery, as the consumer makes it
    const ctx: HandlerContext = {
      log: logger,
      trace: { correlationId, causationId: event.id },
      newEvent: (t, d) => createEvent(t, d, { source: '/inventory-service', correlationId }),
      deliveryId: () => delivery,
      ...(meta.reannounced !== undefined ? { reannounced: meta.reannounced } : {}),
    };
    await (inventory.handlers[type] as EventHandler<T>)(event, ctx);
    return event;
  };

  /** A product of this test alone, so tests sharing the prefix never touch each other's stock. */
  const product = async (available: number): Promise<string> => {
    const productId = `p-${randomUUID().slice(0, 8)}`;
    await inventory.stock.setAvailable(productId, available, randomUUID());
    return productId;
  };

  /** Its current version: changes are asserted relative to it, since a product starts at the clock. */
  const version = async (productId: string): Promise<number> => (await inventory.stock.get(productId))!.version;

  const stop = async () => {
    await inventory.sweeper.stop();
    await rig.stop();
  };

  return {
    prefix,
    app,
    redis,
    kafka,
    logger,
    metrics,
    publisher,
    outbox,
    ...inventory,
    deliver,
    product,
    version,
    stop,
  };
}

export type Harness = Awaited<ReturnType<typeof startInventory>>;
