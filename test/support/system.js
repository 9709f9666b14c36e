'use strict';
// The whole system for integration tests: fresh Kafka mock + redis-server, every service on free
// ports, so a run never touches a developer's running system or shared data. It ignores
// KAFKA_BROKERS and REDIS_URL on purpose: a suite that restarts or wipes its infrastructure must
// own it. The services' logs live in a temporary folder removed when the system stops; with
// KEEP_SYSTEM_LOGS=1 it is kept and its path printed, to read after a failure (keepLogs, at start or
// given to stop, keeps it silently: the bench names what it keeps).
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { startInfra } = require('../../scripts/lib/infra');
const { startServices } = require('../../scripts/lib/services');

const ADMIN_TOKEN = 'test-admin-token';

async function startSystem({ env = {}, instances, appendonly = false, keepLogs = false } = {}) {
  const infra = await startInfra({ env: {}, appendonly, log: () => undefined });
  const logDir = fs.mkdtempSync(path.join(os.tmpdir(), 'checkout-system-'));
  try {
    const services = await startServices({
      env: {
        PATH: process.env.PATH,
        KAFKA_BROKERS: infra.kafkaBrokers,
        REDIS_URL: infra.redisUrl,
        ADMIN_TOKEN,
        KAFKA_SESSION_TIMEOUT_MS: '6000',
        LOG_LEVEL: 'info',
        HOST: '127.0.0.1',
        ...infra.serviceEnv,
        ...env,
      },
      logDir,
      randomPorts: true,
      instances,
      log: () => undefined,
    });
    return {
      infra,
      services,
      urls: services.urls,
      adminToken: ADMIN_TOKEN,
      logDir,
      async stop({ keepLogs: keep = keepLogs } = {}) {
        await services.stopAll();
        await infra.stop();
        removeLogs(logDir, keep);
      },
    };
  } catch (err) {
    await infra.stop();
    const logs = fs
      .readdirSync(logDir)
      .map((f) => `--- ${f}\n${fs.readFileSync(path.join(logDir, f), 'utf8').split('\n').slice(-15).join('\n')}`)
      .join('\n');
    removeLogs(logDir, keepLogs);
    const kept = keepLogs || process.env.KEEP_SYSTEM_LOGS === '1' ? ` (all of them in ${logDir})` : '';
    throw new Error(`${err.message}\nthe services' last log lines${kept}:\n${logs}`);
  }
}

function removeLogs(logDir, keep) {
  if (keep) return;
  if (process.env.KEEP_SYSTEM_LOGS === '1') {
    process.stderr.write(`the services' logs are kept in ${logDir}\n`);
    return;
  }
  fs.rmSync(logDir, { recursive: true, force: true });
}

module.exports = { startSystem, ADMIN_TOKEN };
