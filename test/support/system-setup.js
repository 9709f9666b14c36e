'use strict';
const { ensureBuilt } = require('./build');
const { stopChildrenOnSignals } = require('../../scripts/lib/infra');
const { startSystem } = require('./system');

module.exports = async () => {
  ensureBuilt();
  // A run ended by a signal (a CI cancel) skips the teardown: what it started must not outlive it.
  stopChildrenOnSignals();
  const system = await startSystem();
  globalThis.__SYSTEM__ = system;
  process.env.SYSTEM_URLS = JSON.stringify(system.urls);
  process.env.ADMIN_TOKEN = system.adminToken;
  process.env.TEST_KAFKA_BROKERS = system.infra.kafkaBrokers;
  process.env.TEST_REDIS_URL = system.infra.redisUrl;
  process.env.SYSTEM_LOG_DIR = system.logDir;
};
