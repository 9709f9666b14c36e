/**
 * kafkajs 2.2.4 (the last release) re-arms a timer for every broker connection after each check of
 * its pending-request queue, even when nothing is pending, and with a negative delay, so each
 * connection spins a ~1 ms timer loop for as long as it is open (tulios/kafkajs#1556, #1704; fix
 * proposed in #1667, unreleased). On this machine that was about half of an idle consumer's CPU.
 *
 * The replacement schedules a check only when requests are actually waiting: until the broker's
 * throttle ends, or after 10 ms when they wait for an in-flight slot (a completed request checks
 * the queue too). Applied once, when the chassis creates its Kafka client.
 */
interface RequestQueueLike {
  pending: unknown[];
  throttledUntil: number;
  throttleCheckTimeoutId: NodeJS.Timeout | null;
  checkPendingRequests(): void;
  scheduleCheckPendingRequests(): void;
}

const RETRY_PENDING_MS = 10;
let applied = false;

export function scheduleCheckPendingRequests(this: RequestQueueLike): void {
  if (this.throttleCheckTimeoutId || this.pending.length === 0) return;
  const untilUnthrottled = this.throttledUntil - Date.now();
  this.throttleCheckTimeoutId = setTimeout(
    () => {
      this.throttleCheckTimeoutId = null;
      this.checkPendingRequests();
    },
    untilUnthrottled > 0 ? untilUnthrottled : RETRY_PENDING_MS,
  );
}

export function fixKafkaRequestQueue(): void {
  if (applied) return;
  applied = true;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const RequestQueue = require('kafkajs/src/network/requestQueue') as { prototype: RequestQueueLike };
  if (typeof RequestQueue.prototype.scheduleCheckPendingRequests !== 'function') return;
  RequestQueue.prototype.scheduleCheckPendingRequests = scheduleCheckPendingRequests;
}
