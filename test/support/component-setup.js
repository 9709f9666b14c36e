'use strict';
const { ensureBuilt } = require('./build');
// One redis-server and one mock Kafka broker for the component tests of this run.
const { startInfra, stopChildrenOnSignals } = require('../../scripts/lib/infra');

module.exports = async () => {
  ensureBuilt();
  // A run ended by a signal (a CI cancel) skips the teardown: what it started must not outlive it.
  stopChildrenOnSignals();
  const infra = await startInfra({ env: {}, log: () => undefined });
  globalThis.__COMPONENT_INFRA__ = infra;
  process.env.TEST_REDIS_URL = infra.redisUrl;
  process.env.TEST_KAFKA_BROKERS = infra.kafkaBrokers;
};
