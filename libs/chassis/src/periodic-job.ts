import type { Logger } from './logger';
import { RepeatedFailure } from './repeated-failure';

/**
 * Runs `pass` every `intervalMs`, one pass at a time: a tick that finds the last pass still running
 * is skipped. A pass that throws is logged as a warning (then at most every 30 s while passes keep
 * failing: RepeatedFailure) and the next one runs on time (the usual cause, Redis unreachable, is
 * reported by readiness). `stop()` waits for the pass under way.
 */
export class PeriodicJob {
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private readonly failures: RepeatedFailure;

  constructor(
    name: string,
    private readonly intervalMs: number,
    private readonly pass: () => Promise<unknown>,
    logger: Pick<Logger, 'warn' | 'info'>,
  ) {
    this.failures = new RepeatedFailure(logger, name);
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => {
      this.running ??= this.pass()
        .then(
          () => this.failures.succeeded(),
          (err: unknown) => this.failures.failed(err),
        )
        .finally(() => (this.running = undefined));
    }, this.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }
}
