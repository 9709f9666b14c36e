'use strict';
// What this process started ends with it: on a signal, or when its parent is gone.
const { killLive } = require('./processes');
const { removeTempDirs } = require('./temp-dirs');

/**
 * Calls `action` once this process has lost the parent it started with (re-parented to init: its
 * parent died without passing a signal on, or was killed outright).
 */
function onOrphaned(action, intervalMs = 500) {
  const parent = process.ppid;
  const timer = setInterval(() => {
    if (process.ppid === parent) return;
    clearInterval(timer);
    action();
  }, intervalMs);
  timer.unref();
}

/**
 * For the test runs (jest's global setup): a SIGTERM, SIGINT or SIGHUP to this process kills what
 * it started and ends it. Without this, a runner terminated by a signal (a CI cancel, `timeout`)
 * dies before its teardown and leaves the whole system running. `npm start` handles Ctrl-C itself
 * (services first, then the infrastructure) and does not call this.
 */
let onSignals = false;
function stopChildrenOnSignals() {
  if (onSignals) return;
  onSignals = true;
  const codes = { SIGHUP: 129, SIGINT: 130, SIGTERM: 143 };
  for (const [signal, code] of Object.entries(codes)) {
    process.once(signal, () => {
      killLive();
      process.exit(code);
    });
  }
  // A runner killed outright (SIGKILL runs no handler: `timeout -s KILL`, a CI job's group kill)
  // leaves this process to init. Then stop what it started and, when scripts/test.js made this
  // process the leader of a group of its own, that whole group: jest's workers and what they run.
  onOrphaned(() => {
    killLive();
    // Now: the group kill below ends this process too, before any exit handler would run.
    removeTempDirs();
    if (process.env.CHECKOUT_TEST_OWN_GROUP === '1') {
      try {
        process.kill(-process.pid, 'SIGKILL');
      } catch {
        // not a group leader after all
      }
    }
    process.exit(1);
  });
}

module.exports = { onOrphaned, stopChildrenOnSignals };
