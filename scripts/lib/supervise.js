'use strict';
// `npm start` keeps every service running, as compose's `restart: unless-stopped` and Kubernetes
// do: a service that exits (a crash, a kill) is started again after a pause, said on the console.
const path = require('node:path');

/**
 * Watches each of `system`'s processes (startServices' answer) and restarts one that exits while
 * `isStopping()` is false: after `firstMs`, doubling up to `maxMs` for a service that exits again
 * within `stableMs` of its start, so one that cannot start does not spin.
 */
function supervise(
  system,
  { isStopping, log = console.error, firstMs = 1000, maxMs = 30_000, stableMs = 60_000, now = Date.now } = {},
) {
  const nextDelay = new Map();
  const watch = (key) => {
    const p = system.processes.get(key);
    const startedAt = now();
    p.child.once('exit', (code, signal) => {
      if (isStopping()) return;
      const delay = now() - startedAt < stableMs ? (nextDelay.get(key) ?? firstMs) : firstMs;
      nextDelay.set(key, Math.min(delay * 2, maxMs));
      log(
        `[start] ${key} exited (${signal ?? code}); starting it again in ${delay / 1000} s (log: ${path.relative(process.cwd(), p.logFile)})`,
      );
      setTimeout(() => {
        if (isStopping()) return;
        system.restart(key, { wait: false }).then(
          () => watch(key),
          (err) => log(`[start] ${key} could not be started again: ${err.message}`),
        );
      }, delay);
    });
  };
  for (const key of system.processes.keys()) watch(key);
}

module.exports = { supervise };
