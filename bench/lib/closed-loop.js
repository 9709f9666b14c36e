'use strict';
// A closed loop: `workers` loops each run `step(i)` back to back; only what finishes inside the
// measuring window (after a warm-up) counts. Shared by the echo and Redis ceilings.
async function closedLoop({ workers, warmupMs, durationMs, step, record }) {
  let measuring = false;
  let stop = false;
  const loop = async (w) => {
    for (let i = w; !stop; i++) {
      const t = performance.now();
      const result = await step(i);
      if (measuring) record(result, performance.now() - t);
    }
  };
  const running = Array.from({ length: workers }, (_, w) => loop(w));
  await new Promise((r) => setTimeout(r, warmupMs));
  measuring = true;
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, durationMs));
  measuring = false;
  const elapsed = performance.now() - t0;
  stop = true;
  await Promise.all(running);
  return elapsed;
}

module.exports = { closedLoop };
