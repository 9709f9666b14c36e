'use strict';
// What one request costs the bare express echo server (the echo ceiling's) in CPU: when requests
// come back to back (10 keep-alive connections, as the ceiling measures it) and when they come one
// at a time at a fixed rate (an open loop, as the saga's services get them at the rates the latency
// targets are judged at). Server CPU from /proc, over the measured window only.
//   node bench/echo-cost.js [rate …]        (default 125; each: 5 s warm-up, 10 s measured)
const { fork } = require('node:child_process');
const path = require('node:path');
const { agent, request } = require('./lib/http');
const { cpuMsOf } = require('./lib/cpu');
const { runOpenLoop } = require('./lib/open-loop');
const { stopChild } = require('../scripts/lib/infra');

const payload = {
  cart: { items: [1, 2, 3].map((i) => ({ productId: `sku-00${i}`, quantity: 1, price: 1999 })) },
};
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function withEcho(fn) {
  const child = fork(path.join(__dirname, 'lib', 'ceilings', 'echo-server.js'), [], {
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  try {
    const { port } = await new Promise((resolve, reject) => {
      child.once('message', resolve);
      child.once('exit', (code) => reject(new Error(`echo server exited with ${code}`)));
    });
    return await fn(`http://127.0.0.1:${port}/echo`, child.pid);
  } finally {
    await stopChild(child);
  }
}

/** Server CPU µs per request of what `load(ms)` sends in `ms`, after `warmupMs` of the same. */
async function measure(pid, load, { warmupMs = 5000, durationMs = 10_000 } = {}) {
  await load(warmupMs);
  const before = cpuMsOf(pid);
  const n = await load(durationMs);
  const cpuMs = cpuMsOf(pid) - before;
  return {
    requests: n,
    perSecond: Math.round((n * 1000) / durationMs),
    cpuUsPerRequest: Math.round((cpuMs * 1000) / n),
  };
}

const backToBack = (url) => async (ms) => {
  const a = agent(10);
  const until = Date.now() + ms;
  let n = 0;
  await Promise.all(
    Array.from({ length: 10 }, async () => {
      while (Date.now() < until) {
        await request(url, { method: 'POST', payload, agent: a });
        n++;
      }
    }),
  );
  a.destroy();
  return n;
};

const atRate = (url, rate) => async (ms) => {
  const a = agent(64);
  const pending = [];
  const { sent } = await runOpenLoop({
    rate,
    durationMs: ms,
    fire: () => pending.push(request(url, { method: 'POST', payload, agent: a })),
  });
  await Promise.all(pending);
  a.destroy();
  return sent;
};

async function main() {
  const rates = process.argv
    .slice(2)
    .map(Number)
    .filter((r) => r > 0);
  const rows = [];
  await withEcho(async (url, pid) => {
    rows.push({ load: '10 connections, back to back', ...(await measure(pid, backToBack(url))) });
    for (const rate of rates.length ? rates : [125]) {
      await sleep(1000);
      rows.push({ load: `${rate}/s, one at a time`, ...(await measure(pid, atRate(url, rate))) });
    }
  });
  console.log('| load | requests/s | server CPU µs per request |\n|---|---:|---:|');
  for (const r of rows) console.log(`| ${r.load} | ${r.perSecond} | ${r.cpuUsPerRequest} |`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
