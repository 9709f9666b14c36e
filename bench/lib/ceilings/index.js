'use strict';
const { echoCeiling } = require('./echo');
const { kafkaRtt } = require('./kafka');
const { redisReserve } = require('./redis');

/** The parts' ceilings, each alone on the machine (run before the system starts). */
async function measureCeilings({ payload, note }) {
  note('[bench] ceiling: express JSON echo, 10 connections');
  const echo = await echoCeiling({ connections: 10, payload });
  note(`[bench]   ${echo.rps} req/s, p50 ${echo.p50Ms} ms, p99 ${echo.p99Ms} ms`);
  note('[bench] ceiling: kafkajs produce→consume round trip (fresh mock broker as the system gets it)');
  const kafka = await kafkaRtt({ messages: 300 });
  note(`[bench]   p50 ${kafka.p50Ms} ms, p99 ${kafka.p99Ms} ms (maxWait ${kafka.maxWaitMs} ms)`);
  note('[bench] ceiling: Redis EVALSHA 3-product reservation, 50 callers (fresh redis-server)');
  const redis = await redisReserve({ callers: 50 });
  note(`[bench]   ${redis.opsPerSec} ops/s`);
  return { echo, kafka, redis };
}

/**
 * The echo again after the saga steps: hosts of this kind drift (one measured 2139 and 4965 req/s
 * 25 minutes apart), and a ratio against a ceiling taken at another speed says little.
 */
async function measureEchoAgain({ payload, note }) {
  note('[bench] ceiling again, after the steps: express JSON echo, 10 connections');
  const echo = await echoCeiling({ connections: 10, payload });
  note(`[bench]   ${echo.rps} req/s, p50 ${echo.p50Ms} ms, p99 ${echo.p99Ms} ms`);
  return echo;
}

module.exports = { measureCeilings, measureEchoAgain };
