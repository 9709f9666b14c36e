'use strict';
// After a step: wait until the services stop working (their CPU falls back to idle), then read
// every order's history. Reading after the quiet point keeps the GETs out of the CPU per order.
const { request, mapLimit } = require('./http');
const cpu = require('./cpu');

const TERMINAL = new Set(['CONFIRMED', 'FAILED']);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const totalOf = (snap) => Object.values(snap).reduce((a, b) => a + (b ?? 0), 0);

/** CPU ms per second the `pids` burn when nothing is asked of them (consumers still poll). */
async function idleRate(pids, ms = 2000) {
  const before = cpu.snapshot(pids);
  await sleep(ms);
  const used = cpu.diff(before, cpu.snapshot(pids));
  const byProcess = Object.fromEntries(Object.entries(used).map(([k, v]) => [k, Math.round((v * 1000) / ms)]));
  return { total: totalOf(used) * (1000 / ms), byProcess };
}

/** Resolves once a 500 ms window used no more CPU than idle (+2 clock ticks), or at the deadline. */
async function waitQuiet(pids, idleMsPerSec, deadline, onWait) {
  if (Object.keys(pids).length === 0) return;
  let prev = totalOf(cpu.snapshot(pids));
  while (Date.now() < deadline) {
    await sleep(500);
    const now = totalOf(cpu.snapshot(pids));
    const used = now - prev;
    prev = now;
    onWait?.(used * 2);
    if (used <= idleMsPerSec / 2 + 20) return;
  }
}

/** Fetches each order until it is terminal (or the deadline); sets order.view. */
async function readOrders(checkoutUrl, orders, agent, deadline, onWait) {
  let pending = orders.filter((o) => o.orderId && !o.view);
  while (pending.length) {
    // Oldest first, a bounded slice per sweep: orders finish roughly in the order they were sent.
    const slice = pending.slice(0, 2000);
    await mapLimit(slice, 32, async (o) => {
      const res = await request(`${checkoutUrl}/orders/${o.orderId}`, { agent });
      if (res.status === 200) {
        const view = res.json();
        if (TERMINAL.has(view.status)) o.view = view;
      }
    });
    pending = pending.filter((o) => !o.view);
    onWait?.(pending.length);
    if (!pending.length || Date.now() > deadline) break;
    if (pending.length >= slice.length) await sleep(250);
  }
  return pending.length;
}

module.exports = { idleRate, waitQuiet, readOrders, TERMINAL };
