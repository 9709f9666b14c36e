'use strict';

/**
 * The pid of the redis-server answering on `port` (its `INFO server`), or undefined when what
 * answers is not Redis: a port checked free can be taken by another process before ours binds it.
 */
async function redisPidAt(port, timeoutMs = 2000) {
  // Required here: setup may load this file before the dependencies are installed.
  const Redis = require('ioredis');
  const client = new Redis({
    host: '127.0.0.1',
    port,
    lazyConnect: true,
    connectTimeout: timeoutMs,
    commandTimeout: timeoutMs,
    retryStrategy: () => null,
    maxRetriesPerRequest: 0,
  });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return Number(/process_id:(\d+)/.exec(await client.info('server'))?.[1]) || undefined;
  } catch {
    return undefined;
  } finally {
    client.disconnect();
  }
}

module.exports = { redisPidAt };
