'use strict';
// Redis EVALSHA of an all-or-nothing 3-product reservation, ~50 concurrent callers on one
// connection (as a service's batch of handlers sends them), on a fresh redis-server: the ceiling of the
// inventory step's Redis work.
const Redis = require('ioredis');
const { startRedis } = require('../../../scripts/lib/infra');
const { closedLoop } = require('../closed-loop');

const RESERVE = `
for i = 1, #KEYS do
  if tonumber(redis.call('HGET', KEYS[i], 'available') or '0') < tonumber(ARGV[i]) then return 0 end
end
for i = 1, #KEYS do
  redis.call('HINCRBY', KEYS[i], 'available', -tonumber(ARGV[i]))
  redis.call('HINCRBY', KEYS[i], 'reserved', tonumber(ARGV[i]))
end
return 1`;

async function redisReserve({ callers = 50, durationMs = 5000, warmupMs = 500, log = () => undefined }) {
  const server = await startRedis({ log });
  const redis = new Redis(server.url, { lazyConnect: true });
  try {
    await redis.connect();
    const products = Array.from({ length: 20 }, (_, i) => `bench:stock:p${i}`);
    for (const key of products) await redis.hset(key, { available: 1e12, reserved: 0 });
    const sha = await redis.script('LOAD', RESERVE);
    let ops = 0;
    let failed = 0;
    const elapsed = await closedLoop({
      workers: callers,
      warmupMs,
      durationMs,
      step: (i) => redis.evalsha(sha, 3, products[i % 20], products[(i + 7) % 20], products[(i + 13) % 20], 1, 2, 1),
      record: (ok) => (ok === 1 ? ops++ : failed++),
    });
    return { callers, opsPerSec: Math.round((ops * 1000) / elapsed), failed };
  } finally {
    redis.disconnect();
    await server.stop();
    server.cleanup();
  }
}

module.exports = { redisReserve };
