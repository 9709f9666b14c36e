import type { Logger } from './logger';

/**
 * Runs `pass` every `intervalMs`, one pass at a time: a tick that finds the last pass still running
 * is skipped. A pass that throws is logged as a warning and the next one runs on time (the usual
 * cause, Redis unreachable, is reported by readiness). `stop()` waits for the pass under way.
 */
export class PeriodicJob {
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;

  constructor(
    private readonly name: string,
    private readonly intervalMs: number,
    private readonly pass: () => Promise<unknown>,
    private readonly logger: Pick<Logger, 'warn'>,
  ) {}

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => {
      this.running ??= this.pass()
        .then(
          () => undefined,
          (err: unknown) => this.logger.warn({ err }, `${this.name} failed`),
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
