import type { Logger } from 'pino';
import type { Health } from './health';
import { RepeatedFailure } from './repeated-failure';

/**
 * Runs a start-up step until it succeeds (a warm-up sync, a topic check), backing off up to 2 s
 * between tries, or until the service shuts down. Its log is a background task's (RepeatedFailure):
 * a warning when it first fails, then at most one every 30 s while it keeps failing the same way,
 * and one line when it succeeds.
 */
export async function retryUntilDone(
  health: Health,
  logger: Logger,
  what: string,
  fn: () => Promise<void>,
): Promise<void> {
  const failures = new RepeatedFailure(logger, what);
  for (let attempt = 1; ; attempt++) {
    try {
      await fn();
      failures.succeeded();
      return;
    } catch (err) {
      if (health.shuttingDown) throw err;
      failures.failed(err, { attempt });
      await new Promise((r) => setTimeout(r, Math.min(250 * attempt, 2000)));
    }
  }
}
