import type { Logger } from 'pino';
import type { Health } from './health';

export type ShutdownStep = [name: string, close: () => Promise<unknown>];

export interface ShutdownOptions {
  logger: Logger;
  health: Health;
  /** Run in order: stop HTTP, then consumers, then the outbox, then connections. */
  steps: ShutdownStep[];
  timeoutMs: number;
}

/**
 * SIGTERM/SIGINT: readiness turns 503 at once, each step closes in turn, and the process exits 0;
 * if the steps take longer than the timeout it exits 1 rather than hang past the pod's grace period.
 */
export function onShutdown({ logger, health, steps, timeoutMs }: ShutdownOptions): () => Promise<void> {
  let closing: Promise<void> | undefined;
  const close = (signal: string, code = 0): Promise<void> => {
    if (closing) return closing;
    health.markShuttingDown();
    logger.info({ signal }, 'shutting down');
    let current: string | undefined;
    const timer = setTimeout(() => {
      logger.error({ timeoutMs, step: current }, 'shutdown timed out');
      process.exit(1);
    }, timeoutMs);
    timer.unref();
    closing = (async () => {
      for (const [name, step] of steps) {
        current = name;
        try {
          await step();
        } catch (err) {
          logger.warn({ err, step: name }, 'shutdown step failed');
        }
      }
      clearTimeout(timer);
      logger.info('stopped');
      logger.flush?.();
      process.exit(code);
    })();
    return closing;
  };
  // `on`, not `once`: a second signal must join the shutdown under way, not meet Node's default
  // action (killed by the signal, before the final commits and the charges in flight).
  process.on('SIGTERM', () => void close('SIGTERM'));
  process.on('SIGINT', () => void close('SIGINT'));
  process.on('uncaughtException', (err) => {
    logger.fatal({ err }, 'uncaught exception');
    void close('uncaughtException', 1);
  });
  process.on('unhandledRejection', (err) => {
    logger.fatal({ err }, 'unhandled rejection');
    void close('unhandledRejection', 1);
  });
  return () => close('manual');
}
