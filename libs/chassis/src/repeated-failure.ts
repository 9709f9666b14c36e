import type { Logger } from './logger';

/** How often a failure that keeps repeating is logged again while it lasts. */
export const REPEAT_LOG_EVERY_MS = 30_000;

/**
 * The log of a background task that fails on every pass while a dependency is down (the outbox
 * relay polls every 500 ms, a sweeper every 100-250 ms): a warning when it starts failing, then at
 * most one every `everyMs` with how many passes failed since it began (at once when the error is
 * another than the last one logged), and one line at info when a pass succeeds again. One line
 * per failed pass was two lines a second per service, each with its stack, for as long as Redis
 * was full; the outage itself shows on readiness and in the metrics.
 */
export class RepeatedFailure {
  private failures = 0;
  private since = 0;
  private loggedAt = 0;
  private loggedError = '';

  constructor(
    private readonly logger: Pick<Logger, 'warn' | 'info'>,
    private readonly what: string,
    private readonly everyMs = REPEAT_LOG_EVERY_MS,
    private readonly now: () => number = Date.now,
  ) {}

  /** `fields` go on the warning, when one is written. */
  failed(err: unknown, fields: object = {}): void {
    const now = this.now();
    if (this.failures === 0) this.since = now;
    this.failures++;
    const error = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
    if (this.failures > 1 && now - this.loggedAt < this.everyMs && error === this.loggedError) return;
    this.loggedAt = now;
    this.loggedError = error;
    const repeated = this.failures > 1 ? { failures: this.failures, failingForMs: now - this.since } : {};
    this.logger.warn({ err, ...fields, ...repeated }, `${this.what} failed, will retry`);
  }

  succeeded(): void {
    if (this.failures === 0) return;
    this.logger.info({ failures: this.failures, failingForMs: this.now() - this.since }, `${this.what} works again`);
    this.failures = 0;
  }
}
