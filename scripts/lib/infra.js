'use strict';
// Local infrastructure without Docker: a Kafka-protocol broker from librdkafka's mock cluster (kcat)
// and redis-server, each on a free port, owned by the process that started them.
const { ensureBinary } = require('./binaries');
const { freePort, waitForPort } = require('./ports');
const { stopChild, track } = require('./processes');
const { onOrphaned, stopChildrenOnSignals } = require('./orphans');
const { startRedis } = require('./redis-server');
const { GIVEN_BROKER_MAX_WAIT_MS, startKafkaMock } = require('./kafka-mock');

/**
 * Kafka and Redis for a run: the given ones from env, otherwise fresh local ones. `ownGroup` puts
 * what it starts in process groups of their own, so a Ctrl-C in the terminal reaches only the
 * caller, which stops the services first and the infrastructure after them (`npm start`).
 */
async function startInfra({ env = process.env, appendonly = false, ownGroup = false, log = console.error } = {}) {
  const started = [];
  let kafkaBrokers = env.KAFKA_BROKERS;
  let redisUrl = env.REDIS_URL;
  let redis;
  let kafka;
  if (!kafkaBrokers) {
    kafka = await startKafkaMock({ log, ownGroup });
    started.push(kafka);
    kafkaBrokers = kafka.brokers;
    log(`[infra] Kafka mock cluster at ${kafkaBrokers}${kafka.frontPid ? ' (fetch-on-arrival front)' : ''}`);
  }
  if (!redisUrl) {
    try {
      redis = await startRedis({ appendonly, ownGroup, log });
    } catch (err) {
      // Nothing half-started is left behind: the broker started above goes too.
      await kafka?.stop();
      throw err;
    }
    started.push(redis);
    redisUrl = redis.url;
    log(`[infra] redis-server at ${redisUrl}`);
  }
  return {
    kafkaBrokers,
    redisUrl,
    redis,
    kafka,
    /**
     * Settings for services on this infrastructure: the consumer max wait that suits the broker (the
     * started one's, or for a given one what docker-compose.yml and the Kubernetes config set for a
     * real Kafka, which answers on arrival; the chassis' default of 10 ms suits only the bare mock).
     */
    serviceEnv: { KAFKA_MAX_WAIT_MS: String(kafka ? kafka.maxWaitMs : GIVEN_BROKER_MAX_WAIT_MS) },
    async stop() {
      for (const s of started.reverse()) {
        await s.stop();
        s.cleanup?.();
      }
    },
  };
}

module.exports = {
  ensureBinary,
  freePort,
  waitForPort,
  stopChild,
  track,
  onOrphaned,
  stopChildrenOnSignals,
  startRedis,
  startKafkaMock,
  startInfra,
};
