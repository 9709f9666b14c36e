'use strict';
// Starts the services as child processes against given infrastructure and waits for readiness.
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const http = require('node:http');
const net = require('node:net');
const path = require('node:path');
const { freePort, stopChild, track } = require('./infra');

const ROOT = path.resolve(__dirname, '..', '..');

/** The contract's services and default ports (ARCHITECTURE.md). */
const SERVICES = [
  { name: 'payment-gateway-mock', port: 3010, urlVar: 'PAYMENT_GATEWAY_URL' },
  { name: 'inventory-service', port: 3003, urlVar: 'INVENTORY_URL' },
  { name: 'inventory-cache-service', port: 3002, urlVar: 'INVENTORY_CACHE_URL' },
  { name: 'validation-service', port: 3001, urlVar: 'VALIDATION_URL' },
  { name: 'payment-service', port: 3004, urlVar: 'PAYMENT_URL' },
  { name: 'checkout-service', port: 3000 },
  { name: 'notification-service', port: 3005 },
  { name: 'audit-service', port: 3006 },
];

/**
 * Node's options for each service, as the images' CMD gives them: kafkajs 2.2.4 arms a timer with a
 * negative delay after its first reply from a broker, and Node 24 prints a warning for it once per
 * process on stderr, a line that is not JSON in the service's log. Node 20 has no such warning, nor
 * the option (an unknown one would stop node).
 */
const SERVICE_NODE_ARGS = process.allowedNodeEnvironmentFlags.has('--disable-warning')
  ? ['--disable-warning=TimeoutNegativeWarning']
  : [];

function getJson(url, timeoutMs = 1000) {
  return new Promise((resolve) => {
    const req = http.get(url, { timeout: timeoutMs }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode, body }));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve({ status: 0, body: '' }));
  });
}

/** Whether something already listens on `port` (on any address: one there would take a service's, or its loopback). */
function portTaken(port) {
  return new Promise((resolve) => {
    const probe = net.createServer();
    probe.once('error', (err) => resolve(err.code === 'EADDRINUSE'));
    probe.listen(port, () => probe.close(() => resolve(false)));
  });
}

async function waitReady(url, timeoutMs, isAlive = () => true) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { status, body } = await getJson(`${url}/health/ready`);
    if (status === 200) return;
    if (!isAlive()) throw new Error(`${url} exited before it was ready`);
    if (Date.now() > deadline) throw new Error(`${url} not ready after ${timeoutMs} ms: ${status} ${body}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * Throws naming each of the services' own ports that something already listens on. A service that
 * cannot bind its port exits, and whatever holds the port would answer the readiness checks in its
 * place: refuse up front.
 */
async function refuseTakenPorts(services = SERVICES) {
  const taken = [];
  for (const s of services) if (await portTaken(s.port)) taken.push(`${s.port} (${s.name})`);
  if (taken.length > 0) {
    throw new Error(
      `port ${taken.join(', ')} already in use: another \`npm start\`, or another program, is listening there. ` +
        `Stop it first (\`ss -ltnp\` names the process).`,
    );
  }
}

/** The last lines of a log file, for saying why a process stopped. */
function logTail(file, lines = 8) {
  try {
    return fs.readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

/** Where the services are reached when they listen on `HOST`: loopback for every interface, else that address. */
function urlHost(listenHost) {
  const h = listenHost?.trim();
  if (!h || h === '0.0.0.0' || h === '::') return '127.0.0.1';
  return h.includes(':') ? `[${h}]` : h;
}

/**
 * Starts every service (or `only`) with the shared env. `randomPorts` picks free ports so a test
 * run never collides with a running system. Returns URLs, a way to stop, kill and restart one.
 */
async function startServices({
  env,
  logDir,
  randomPorts = false,
  only,
  instances = {},
  readyTimeoutMs = 60_000,
  log = console.error,
}) {
  fs.mkdirSync(logDir, { recursive: true });
  const selected = SERVICES.filter((s) => !only || only.includes(s.name));
  const ports = {};
  for (const s of SERVICES) ports[s.name] = randomPorts ? await freePort() : s.port;
  if (!randomPorts) await refuseTakenPorts(selected);
  const host = urlHost(env.HOST);
  const urls = Object.fromEntries(SERVICES.map((s) => [s.name, `http://${host}:${ports[s.name]}`]));
  const shared = { ...env };
  for (const s of SERVICES) if (s.urlVar && !shared[s.urlVar]) shared[s.urlVar] = urls[s.name];

  const procs = new Map();
  const launch = (name, index = 0) => {
    const port = index === 0 ? ports[name] : ports[`${name}#${index}`];
    const logFile = path.join(logDir, index === 0 ? `${name}.log` : `${name}-${index}.log`);
    const out = fs.openSync(logFile, 'a');
    const child = track(
      spawn(process.execPath, [...SERVICE_NODE_ARGS, path.join(ROOT, name, 'dist', 'main.js')], {
        env: { ...shared, PORT: String(port) },
        stdio: ['ignore', out, out],
      }),
    );
    fs.closeSync(out);
    const key = index === 0 ? name : `${name}#${index}`;
    procs.set(key, { child, url: `http://${host}:${port}`, logFile });
    return procs.get(key);
  };

  for (const s of selected) {
    for (let i = 1; i < (instances[s.name] ?? 1); i++) ports[`${s.name}#${i}`] = await freePort();
  }
  for (const s of selected) {
    launch(s.name);
    for (let i = 1; i < (instances[s.name] ?? 1); i++) launch(s.name, i);
  }
  const ready = async (key) => {
    const p = procs.get(key);
    try {
      await waitReady(p.url, readyTimeoutMs, () => p.child.exitCode === null && p.child.signalCode === null);
    } catch (err) {
      // Name the service and show why it stopped, not only its URL.
      throw new Error(`${key}: ${err.message}\n--- last lines of ${p.logFile}\n${logTail(p.logFile)}`);
    }
  };
  try {
    await Promise.all([...procs.keys()].map(ready));
  } catch (err) {
    await Promise.all([...procs.values()].map((p) => stopChild(p.child)));
    throw err;
  }
  log(`[services] ${procs.size} processes ready`);

  return {
    urls,
    env: shared,
    logDir,
    processes: procs,
    pid: (key) => procs.get(key)?.child.pid,
    async stop(key) {
      const p = procs.get(key);
      if (p) await stopChild(p.child, 12_000);
    },
    async kill(key, signal = 'SIGKILL') {
      const p = procs.get(key);
      if (!p) return;
      p.child.kill(signal);
      if (p.child.exitCode === null && p.child.signalCode === null) await new Promise((r) => p.child.once('exit', r));
    },
    async restart(key, { wait = true } = {}) {
      const [name, idx] = key.split('#');
      const p = procs.get(key);
      if (p) await stopChild(p.child, 12_000);
      launch(name, idx ? Number(idx) : 0);
      if (wait) await ready(key);
    },
    ready,
    async stopAll() {
      await Promise.all([...procs.values()].map((p) => stopChild(p.child, 12_000)));
    },
  };
}

/**
 * The env `npm start` gives every service: the caller's, passed through, over the local
 * infrastructure's defaults, with the brokers and Redis it runs on. ADMIN_TOKEN only when the caller
 * set one: without it the admin endpoints answer 403, as the contract says.
 */
function startEnv(given, infra) {
  return {
    ...infra.serviceEnv,
    ...given,
    KAFKA_BROKERS: infra.kafkaBrokers,
    REDIS_URL: infra.redisUrl,
    KAFKA_SESSION_TIMEOUT_MS: given.KAFKA_SESSION_TIMEOUT_MS ?? '6000',
    // A demo on a laptop is not served to the network it sits on (the gateway lists every charge,
    // notifications name customers): loopback, as compose publishes its ports, unless HOST says otherwise.
    HOST: given.HOST?.trim() || '127.0.0.1',
  };
}

module.exports = {
  SERVICES,
  SERVICE_NODE_ARGS,
  startServices,
  startEnv,
  refuseTakenPorts,
  waitReady,
  getJson,
  portTaken,
  urlHost,
  ROOT,
};
