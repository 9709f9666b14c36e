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
 * Kept for each step after the one running: a step that hangs (a consumer committing to a broker
 * that is gone, a QUIT to a Redis that stopped answering) is left behind when only this much per
 * later step remains, so payment still hands its charges back, the outbox and producer still get
 * their turn, and the process still exits 0 in time.
 */
export const STEP_RESERVE_MS = 500;

/**
 * SIGTERM/SIGINT/SIGHUP: readiness turns 503 at once, each step closes in turn, and the process exits 0.
 * Each step may take what the timeout leaves once STEP_RESERVE_MS is kept for every later one; a
 * step still running then is logged and left, and the next one starts. Only if the steps together
 * outlast the timeout (they should not) does the process exit 1, rather than hang past the pod's
 * grace period.
 */
export function onShutdown({ logger, health, steps, timeoutMs }: ShutdownOptions): () => Promise<void> {
  let closing: Promise<void> | undefined;
  const close = (signal: string, code = 0): Promise<void> => {
    if (closing) return closing;
    health.markShuttingDown();
    logger.info({ signal }, 'shutting down');
    let current: string | undefined;
    const deadline = Date.now() + timeoutMs;
    const timer = setTimeout(() => {
      logger.error({ timeoutMs, step: current }, 'shutdown timed out');
      process.exit(1);
    }, timeoutMs);
    timer.unref();
    closing = (async () => {
      for (const [i, [name, step]] of steps.entries()) {
        current = name;
        const budgetMs = Math.max(0, deadline - Date.now() - (steps.length - 1 - i) * STEP_RESERVE_MS);
        const outcome = await withinMs(budgetMs, step);
        if (outcome === 'late') logger.warn({ step: name, budgetMs }, 'shutdown step left unfinished: out of time');
        else if (outcome !== 'done') logger.warn({ err: outcome.err, step: name }, 'shutdown step failed');
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
  // The terminal that ran `npm start` closing: without it the services died at once, undrained.
  process.on('SIGHUP', () => void close('SIGHUP'));
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

/** Runs `step` for at most `ms`: 'done', 'late' (still running, left behind) or the error it threw. */
async function withinMs(ms: number, step: () => Promise<unknown>): Promise<'done' | 'late' | { err: unknown }> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => {
    timer = setTimeout(() => resolve('late'), ms);
  });
  try {
    return await Promise.race([
      Promise.resolve()
        .then(step)
        .then(
          () => 'done' as const,
          (err: unknown) => ({ err }),
        ),
      late,
    ]);
  } finally {
    clearTimeout(timer);
  }
}
