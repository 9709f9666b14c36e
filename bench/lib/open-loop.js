'use strict';
// Open-model load: requests leave on a clock schedule at a fixed rate, whether or not earlier
// ones have been answered, so a slow system sees its queue grow instead of a politely slower client.

/**
 * Calls `fire(seq)` `rate` times a second for `durationMs`; `fire` must not be awaited by us.
 * `onTick(stats)` runs every tick for progress. Resolves { sent, lateMaxMs } when the schedule ends.
 */
function runOpenLoop({ rate, durationMs, fire, onTick = () => undefined, tickMs = 2 }) {
  const total = Math.round((rate * durationMs) / 1000);
  const t0 = performance.now();
  let sent = 0;
  let lateMaxMs = 0;
  return new Promise((resolve) => {
    const tick = () => {
      const now = performance.now();
      const due = Math.min(total, Math.floor(((now - t0) * rate) / 1000) + 1);
      // How far behind schedule the oldest unsent request is: the generator's own lag.
      if (due > sent) lateMaxMs = Math.max(lateMaxMs, now - (t0 + (sent * 1000) / rate));
      while (sent < due) fire(sent++);
      onTick({ sent, total, elapsedMs: now - t0 });
      if (sent >= total) return resolve({ sent, lateMaxMs, elapsedMs: performance.now() - t0 });
      const nextAt = t0 + (sent * 1000) / rate;
      setTimeout(tick, Math.max(0, Math.min(tickMs, nextAt - performance.now())));
    };
    tick();
  });
}

module.exports = { runOpenLoop };
