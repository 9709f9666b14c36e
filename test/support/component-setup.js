'use strict';
// One redis-server and one mock Kafka broker for the component tests of this run.
const { startInfra } = require('../../scripts/lib/infra');

module.exports = async () => {
  const infra = await startInfra({ env: {}, log: () => undefined });
  globalThis.__COMPONENT_INFRA__ = infra;
  process.env.TEST_REDIS_URL = infra.redisUrl;
  process.env.TEST_KAFKA_BROKERS = infra.kafkaBrokers;
};
