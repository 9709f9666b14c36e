import { requestWriteWindowMs, type Logger, type Metrics, type Outbox, type Redis } from '@checkout/chassis';
import type { PaymentClient } from './clients/payment-client';
import { createHandlers } from './handlers';
import { ExpirySweeper } from './jobs/expiry-sweeper';
import { createInventoryMetrics } from './metrics';
import { ReservationStore } from './store/reservation-store';
import { StockStore } from './store/stock-store';

/** The longest wait between two copies of a held reservation's stock.reserved. */
const HELD_REANNOUNCE_LONGEST_WAIT_MS = 600_000;

export interface InventoryDeps {
  redis: Redis;
  outbox: Outbox;
  logger: Logger;
  metrics: Metrics;
  /** payment-service, asked before an expired reservation is released. */
  payments: PaymentClient;
  settings: {
    RESERVATION_TTL_MS: number;
    RESERVATION_GRACE_MS: number;
    EXPIRY_SWEEP_MS: number;
    /** An expired reservation held this long for a pending payment has its stock.reserved announced again (0: never). */
    HELD_REANNOUNCE_AFTER_MS: number;
    HELD_REANNOUNCE_MAX_TIMES: number;
    /** How long an ended reservation is kept (default DEFAULT_RECORD_RETENTION_MS). */
    RECORD_RETENTION_MS?: number;
    /** An admin write still running past requestWriteWindowMs of this sets nothing (StockStore). */
    REDIS_COMMAND_TIMEOUT_MS?: number;
  };
  prefix?: string;
}

/** The stores, handlers and sweeper, wired the same way in main.ts and in the component tests. */
export function createInventory({
  redis,
  outbox,
  logger,
  metrics,
  payments,
  settings,
  prefix = 'inventory',
}: InventoryDeps) {
  const inventoryMetrics = createInventoryMetrics(metrics);
  const reservations = new ReservationStore(redis, outbox, prefix, settings.RECORD_RETENTION_MS);
  return {
    stock: new StockStore(redis, outbox, prefix, requestWriteWindowMs(settings.REDIS_COMMAND_TIMEOUT_MS ?? 0)),
    reservations,
    handlers: createHandlers(reservations, settings.RESERVATION_TTL_MS, inventoryMetrics),
    sweeper: new ExpirySweeper({
      reservations,
      graceMs: settings.RESERVATION_GRACE_MS,
      intervalMs: settings.EXPIRY_SWEEP_MS,
      logger,
      metrics: inventoryMetrics,
      payments,
      outbox,
      announcements: {
        firstWaitMs: settings.HELD_REANNOUNCE_AFTER_MS,
        longestWaitMs: HELD_REANNOUNCE_LONGEST_WAIT_MS,
        mostTimes: settings.HELD_REANNOUNCE_MAX_TIMES,
      },
    }),
  };
}

export type Inventory = ReturnType<typeof createInventory>;
