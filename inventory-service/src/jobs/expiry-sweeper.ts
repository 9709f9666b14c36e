import { PeriodicJob, RepeatedFailure, type Logger, type Outbox } from '@checkout/chassis';
import type { PaymentClient, PaymentState } from '../clients/payment-client';
import { expiryReason } from '../domain/reservation';
import type { InventoryMetrics } from '../metrics';
import type { HeldAnnouncements, ReservationStore } from '../store/reservation-store';

const BATCH = 100;

export interface SweeperOptions {
  reservations: ReservationStore;
  graceMs: number;
  intervalMs: number;
  logger: Logger;
  metrics: InventoryMetrics;
  /** Asked before a reservation is released: stock whose payment may still be charged is held. */
  payments: PaymentClient;
  /** How long a held reservation waits before it is looked at again (default 1 s). */
  recheckMs?: number;
  /** When a reservation held for a pending payment has its stock.reserved announced again. */
  announcements: HeldAnnouncements;
  /** Looked at before announcing: while Kafka is not taking what is written, copies only add to it. */
  outbox: Pick<Outbox, 'oldestWaitMs'>;
}

/** An outbox whose oldest entry waited longer than this is not draining: nothing is announced again. */
const STUCK_OUTBOX_MS = 5000;

/**
 * Releases reservations that passed expiresAt + grace without a payment outcome. Several instances
 * may sweep at once: the release script acts only on a RESERVED, due reservation.
 *
 * "Without a payment outcome" is payment-service's to say, so it is asked first
 * (`GET /payments/{orderId}`). A charge that began before expiresAt may be decided long after
 * expiresAt + grace (a slow gateway, a payment worker paused mid-attempt): released then, its units
 * could be sold to another order, and the late payment.authorized would confirm an order that holds
 * no stock, with the customer charged. So a reservation is released only when payment-service says
 * it has failed or never held the order; while it is pending (perhaps charging), or while
 * payment-service cannot be asked, the reservation is held and looked at again `recheckMs` later.
 * One whose payment is authorized (final) is committed here: its payment.authorized may be late,
 * or lost for good (dead-lettered, a broker that lost its log), and checkout, which has confirmed
 * the order, never announces it again; held, it waited until payment-service forgot the payment
 * (RECORD_RETENTION_MS), which then read as never paid and put the sold units back on sale. The
 * event, when it comes, finds it committed.
 *
 * A payment pending long after its reservation expired is usually being charged by a slow gateway;
 * but it may be one payment-service can never start: it holds the order's half and never got the
 * stock.reserved (dead-lettered there, with every copy), and its record would say pending until it
 * expired (RECORD_RETENTION_MS, 30 days), the units held all along. So a reservation held for a
 * pending payment has its stock.reserved announced again now and then (HOLD_PENDING_LUA):
 * payment-service, finding the reservation expired, charges nothing and fails the payment, whose
 * payment.failed releases the stock. One still held after the last copy is logged for an operator.
 */
export class ExpirySweeper {
  private readonly job: PeriodicJob;
  private stopped = true;
  private readonly paymentsUnknown: RepeatedFailure;

  constructor(private readonly opts: SweeperOptions) {
    this.job = new PeriodicJob('expiry sweep', opts.intervalMs, () => this.sweep(), opts.logger);
    this.paymentsUnknown = new RepeatedFailure(
      opts.logger,
      'asking payment-service whether expired reservations are being paid (they are held meanwhile)',
    );
  }

  start(): void {
    this.stopped = false;
    this.job.start();
  }

  /** Waits for the sweep under way, which ends after the batch in hand. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.job.stop();
  }

  /** The announcements' turns, none while the outbox is not draining (asked once per sweep, when needed). */
  private async announcementsNow(): Promise<HeldAnnouncements> {
    const { announcements, outbox, logger } = this.opts;
    const waitedMs = await outbox.oldestWaitMs();
    if (waitedMs <= STUCK_OUTBOX_MS) return announcements;
    logger.debug({ waitedMs }, 'outbox not draining: no stock.reserved announced again for now');
    return { ...announcements, firstWaitMs: 0 };
  }

  /** Releases everything due at `now` that no payment may still claim; returns how many it released. */
  async sweep(now = Date.now()): Promise<number> {
    const { reservations, graceMs, metrics, logger, payments } = this.opts;
    const dueBefore = now - graceMs;
    // Held ones are due again after recheckMs (their score only; expiresAt stays as it was).
    const later = dueBefore + (this.opts.recheckMs ?? 1000);
    let released = 0;
    let turns: HeldAnnouncements | undefined;
    for (;;) {
      // Every id listed leaves the expiry set (released, or dropped as no longer RESERVED) or is
      // pushed past dueBefore (held), so the next batch holds others.
      const due = await reservations.due(dueBefore, BATCH);
      for (const [i, orderId] of due.entries()) {
        let payment: PaymentState;
        try {
          payment = await payments.state(orderId);
          this.paymentsUnknown.succeeded();
        } catch (err) {
          // Nothing is released until payment-service answers; the rest of the batch waits with it.
          const held = due.slice(i);
          await reservations.recheckLater(held, later);
          metrics.expiryHeld.inc({ reason: 'payment_unavailable' }, held.length);
          this.paymentsUnknown.failed(err, { held: held.length });
          return released;
        }
        if (payment === 'authorized') {
          const result = await reservations.commit(orderId, { callId: `sweep:${orderId}` });
          if (result === 'COMMITTED') {
            metrics.expiryCommits.inc();
            logger.warn(
              { orderId },
              'expired reservation committed: its payment was authorized, its payment.authorized not seen',
            );
          }
          continue;
        }
        if (payment === 'pending') {
          turns ??= await this.announcementsNow();
          const hold = await reservations.holdPending(orderId, { recheckAt: later, now, ...turns });
          metrics.expiryHeld.inc({ reason: 'payment_pending' });
          if (hold.announced) metrics.heldAnnounced.inc();
          if (hold.exhausted) {
            metrics.heldExhausted.inc();
            logger.error(
              { orderId, copies: hold.copies },
              'expired reservation still held after the last copy of its stock.reserved: its payment stays pending (look at payment-service: its dead letters, the gateway)',
            );
          } else if (hold.announced) {
            logger.info(
              { orderId, copy: hold.copies },
              'expired reservation held for a pending payment: its stock.reserved announced again, in case payment-service never got it',
            );
          } else {
            logger.info({ orderId, payment }, 'expired reservation held: its payment may still be decided');
          }
          continue;
        }
        if ((await reservations.release(orderId, expiryReason, { dueBefore })) !== 'RELEASED') continue;
        released++;
        metrics.releases.inc({ reason: 'expired' });
        logger.info({ orderId, payment }, 'expired reservation released');
      }
      if (due.length < BATCH || this.stopped) return released;
    }
  }
}
