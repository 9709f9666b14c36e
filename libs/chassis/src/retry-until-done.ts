import type { Logger } from 'pino';
import type { Health } from './health';

export async function retryUntilDone(
  health: Health,
  logger: Logger,
  what: string,
  fn: () => Promise<void>,
): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      if (health.shuttingDown) throw err;
      logger.warn({ err: (err as Error).message, attempt }, `${what} failed, retrying`);
      await new Promise((r) => setTimeout(r, Math.min(250 * attempt, 2000)));
    }
  }
}
