'use strict';
// Express echo ceiling: a closed loop of N connections against a bare express JSON echo server
// in its own process, as a service would run.
const { fork } = require('node:child_process');
const path = require('node:path');
const { agent, request } = require('../http');
const { summarize } = require('../stats');
const { stopChild } = require('../../../scripts/lib/infra');
const { closedLoop } = require('../closed-loop');

async function echoLoop({ url, payload, connections, durationMs, warmupMs }) {
  const a = agent(connections);
  const samples = [];
  let errors = 0;
  const elapsed = await closedLoop({
    workers: connections,
    warmupMs,
    durationMs,
    step: () => request(url, { method: 'POST', payload, agent: a }),
    record: (res, ms) => (res.status === 200 ? samples.push(ms) : errors++),
  });
  a.destroy();
  return { samples, errors, elapsed };
}

async function echoCeiling({ connections = 10, durationMs = 5000, warmupMs = 1000, payload }) {
  const child = fork(path.join(__dirname, 'echo-server.js'), [], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  try {
    const { port } = await new Promise((resolve, reject) => {
      child.once('message', resolve);
      child.once('exit', (code) => reject(new Error(`echo server exited with ${code}`)));
    });
    const { samples, errors, elapsed } = await echoLoop({
      url: `http://127.0.0.1:${port}/echo`,
      payload,
      connections,
      durationMs,
      warmupMs,
    });
    const lat = summarize(samples, 2);
    return { connections, rps: Math.round((samples.length * 1000) / elapsed), p50Ms: lat.p50, p99Ms: lat.p99, errors };
  } finally {
    await stopChild(child);
  }
}

module.exports = { echoCeiling };
