'use strict';
// The system under test: started fresh as `npm start` would (own Kafka mock and redis-server with
// AOF, every service), or an already running one named by BENCH_URL and friends.
const path = require('node:path');
const { startSystem, ADMIN_TOKEN } = require('../../test/support/system');

const RESULTS = path.join(__dirname, '..', 'results');

/**
 * Env the bench gives every service: quiet logs (checkout's abuse limits are off unless set), and
 * any setting to try given as BENCH_SVC_<NAME> (BENCH_SVC_KAFKA_MAX_WAIT_MS=5 sets KAFKA_MAX_WAIT_MS).
 */
function serviceEnv(profile, given = process.env) {
  const env = { LOG_LEVEL: 'warn' };
  for (const [k, v] of Object.entries(given)) if (k.startsWith('BENCH_SVC_')) env[k.slice('BENCH_SVC_'.length)] = v;
  if (profile) {
    env.BENCH_PROFILE = profile;
    env.BENCH_PROFILE_DIR = path.join(RESULTS, 'profiles');
    env.NODE_OPTIONS = `--require ${path.join(__dirname, 'profile-hook.js')}`;
  }
  return env;
}

async function attach(env) {
  const need = (name) => {
    if (!env[name]) throw new Error(`BENCH_URL is set, so ${name} must be too`);
    return env[name].replace(/\/$/, '');
  };
  return {
    mode: 'attached',
    urls: {
      checkout: need('BENCH_URL'),
      validation: need('BENCH_VALIDATION_URL'),
      inventory: need('BENCH_INVENTORY_URL'),
      cache: env.BENCH_CACHE_URL?.replace(/\/$/, ''),
      gateway: need('BENCH_GATEWAY_URL'),
    },
    adminToken: env.BENCH_ADMIN_TOKEN ?? env.ADMIN_TOKEN,
    // Optional `name=pid,…` of processes on this machine, for CPU per order.
    servicePids: Object.fromEntries(
      (env.BENCH_PIDS ?? '')
        .split(',')
        .filter(Boolean)
        .map((kv) => [kv.split('=')[0], Number(kv.split('=')[1])]),
    ),
    infraPids: {},
    logDir: undefined,
    async stop() {},
  };
}

async function start({ profile, appendonly }) {
  // Its logs stay if it never stops (a failed start or warm-up names their folder); stop() keeps
  // them when told to (run.js: a system with errors or a broken invariant) and removes them otherwise.
  const sys = await startSystem({ env: { ...serviceEnv(profile), ADMIN_TOKEN }, appendonly, keepLogs: true });
  const servicePids = Object.fromEntries([...sys.services.processes].map(([name, p]) => [name, p.child.pid]));
  const infraPids = { 'redis-server': sys.infra.redis?.pid };
  if (sys.infra.kafka) {
    infraPids['kafka-mock (kcat)'] = sys.infra.kafka.pid;
    infraPids['kafka front'] = sys.infra.kafka.frontPid;
  }
  return {
    mode: 'started',
    urls: {
      checkout: sys.urls['checkout-service'],
      validation: sys.urls['validation-service'],
      inventory: sys.urls['inventory-service'],
      cache: sys.urls['inventory-cache-service'],
      gateway: sys.urls['payment-gateway-mock'],
    },
    adminToken: sys.adminToken,
    servicePids,
    infraPids,
    logDir: sys.logDir,
    stop: (opts) => sys.stop(opts),
  };
}

/** Sends SIGUSR2 to the profiled services (see profile-hook.js): first call starts, second writes. */
function toggleProfiler(system, profile) {
  for (const name of (profile ?? '').split(',').filter(Boolean)) {
    const pid = system.servicePids[name];
    if (pid) process.kill(pid, 'SIGUSR2');
  }
}

const openSystem = ({ env, profile, appendonly }) => (env.BENCH_URL ? attach(env) : start({ profile, appendonly }));

module.exports = { openSystem, toggleProfiler, RESULTS };
