import pino from 'pino';
import { ConfigError } from './config';
import { createLogger } from './logger';

/**
 * Loads a service's settings as it starts. A bad one (ConfigError, naming every bad variable, never
 * a value) is logged as one JSON line at fatal, like every other line the service writes, and the
 * process exits 1: a pod crash-looping on a typo shows in the log pipeline as one record naming the
 * variables, not as an uncaught exception's stack trace. Any other error is thrown as it was.
 */
export function configOrExit<C>(
  service: string,
  load: (env: NodeJS.ProcessEnv) => C,
  env: NodeJS.ProcessEnv = process.env,
): C {
  try {
    return load(env);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    // Written before the exit: a synchronous destination, not pino's buffered one.
    const logger = createLogger(service, 'info', pino.destination({ fd: 1, sync: true }));
    logger.fatal({ variables: err.variables }, err.message);
    process.exit(1);
  }
}
