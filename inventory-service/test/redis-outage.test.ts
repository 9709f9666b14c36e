import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import axios from 'axios';
import { connectRedis, createLogger, createRedis } from '@checkout/chassis';
import { buildOrderCreated, type InventoryItem } from '@checkout/contracts';
import { recordTopics, testPublisher, waitFor } from '../../test/support';

// The service as it runs (the built dist/main.js, as `npm start` starts it), each test against a
// redis-server of its own, all against a Kafka-protocol broker of this file's own: what is under
// test is main.ts's start-up order and how it lives through Redis going away. (On the run's shared
// broker the real service, with its demo stock, reserved the orders of every other suite, and the
// payment harnesses then charged them: other suites' orders were confirmed under their feet.)

// eslint-disable-next-line @typescript-eslint/no-require-imports -- plain JS scripts
const infra = require('../../scripts/lib/infra') as {
  startRedis(o: { port?: number; appendonly?: boolean; log?: (s: string) => void }): Promise<RedisServer>;
  startKafkaMock(o: {
    log?: (s: string) => void;
  }): Promise<{ brokers: string; maxWaitMs: number; stop(): Promise<void> }>;
  freePort(): Promise<number>;
  stopChild(c: ChildProcess, timeoutMs?: number): Promise<void>;
};
interface RedisServer {
  url: string;
  restart(): Promise<void>;
  stop(): Promise<void>;
  cleanup(): void;
}

jest.setTimeout(90_000);

const DEMO_PRODUCTS = 24;
const children: ChildProcess[] = [];
const servers: RedisServer[] = [];
let kafka: Awaited<ReturnType<typeof infra.startKafkaMock>>;

beforeAll(async () => {
  kafka = await infra.startKafkaMock({ log: () => undefined });
});
afterAll(() => kafka?.stop());

afterEach(async () => {
  for (const c of children.splice(0)) await infra.stopChild(c, 12_000);
  for (const s of servers.splice(0)) {
    await s.stop();
    s.cleanup();
  }
});

/** A redis-server without persistence, as `npm start` runs it: a restart loses every key. */
async function startRedis(port?: number): Promise<RedisServer> {
  const server = await infra.startRedis({ port, appendonly: false, log: () => undefined });
  servers.push(server);
  return server;
}

/** The service on a port of its own; `errors` collects what it logs at error level. */
async function launch(redisUrl: string, env: Record<string, string> = {}) {
  const port = await infra.freePort();
  const child = spawn(process.execPath, [path.join(__dirname, '..', 'dist', 'main.js')], {
    env: {
      PATH: process.env.PATH,
      PORT: String(port),
      REDIS_URL: redisUrl,
      KAFKA_BROKERS: kafka.brokers,
      KAFKA_SESSION_TIMEOUT_MS: '6000',
      KAFKA_MAX_WAIT_MS: String(kafka.maxWaitMs),
      LOG_LEVEL: 'error',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  children.push(child);
  const errors: string[] = [];
  let partial = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    const lines = (partial + chunk.toString()).split('\n');
    partial = lines.pop()!;
    for (const line of lines) if (line.includes('"level":"error"')) errors.push(JSON.parse(line).msg as string);
  });
  const http = axios.create({ baseURL: `http://127.0.0.1:${port}`, validateStatus: () => true, timeout: 2000 });
  return {
    child,
    errors,
    live: async () => (await http.get('/health/live')).status === 200,
    readiness: async () => {
      const res = await http.get('/health/ready');
      return { status: res.status, checks: res.data.checks as Record<string, 'up' | 'down'> };
    },
    ready: async () => (await http.get('/health/ready')).status === 200,
    stock: async () => (await http.get('/inventory')).data.items as InventoryItem[] | undefined,
    list: async () => {
      const res = await http.get('/inventory');
      return { status: res.status, error: res.data.error as string | undefined };
    },
  };
}

describe('start-up', () => {
  it('when Redis does not answer yet, then /health/live answers at once and /health/ready is 503, and once Redis is up the service turns ready with the demo stock', async () => {
    const redisPort = await infra.freePort(); // nothing listens there yet
    const inventory = await launch(`redis://127.0.0.1:${redisPort}`);

    // Kubernetes' startup and liveness probes ask /health/live: it must answer while Redis is away.
    await waitFor(inventory.live, { timeoutMs: 10_000, what: '/health/live to answer' });
    expect(await inventory.readiness()).toMatchObject({ status: 503, checks: { redis: 'down' } });

    await startRedis(redisPort);
    await waitFor(inventory.ready, { timeoutMs: 30_000, what: 'inventory-service to turn ready' });
    expect(await inventory.stock()).toHaveLength(DEMO_PRODUCTS);
  });

  it('when seeding the demo stock fails, then the service stays live and not ready, and turns ready with the demo stock once the seed succeeds', async () => {
    const redis = await startRedis();
    const admin = createRedis(redis.url, createLogger('test', 'silent'), 'redis-outage-test');
    await connectRedis(admin);
    // The seed is a Lua script: without EVAL the script fails every time, as a Redis that answers
    // PING but times out a longer command would.
    await admin.call('ACL', 'SETUSER', 'default', '-evalsha', '-eval');
    try {
      const inventory = await launch(redis.url);

      // Redis and the producer connected: only the seed (and the consumer behind it) keeps it unready.
      await waitFor(
        async () => {
          const { status, checks } = await inventory.readiness();
          return status === 503 && checks.redis === 'up' && checks['kafka-producer'] === 'up';
        },
        { timeoutMs: 20_000, what: 'Redis and Kafka connected with the seed failing' },
      );
      expect(await inventory.live()).toBe(true);
      // Not an empty list: the stock cache would take it for the whole stock.
      expect(await inventory.list()).toEqual({ status: 503, error: 'DEPENDENCY_UNAVAILABLE' });

      await admin.call('ACL', 'SETUSER', 'default', '+evalsha', '+eval');
      await waitFor(inventory.ready, { timeoutMs: 30_000, what: 'inventory-service to turn ready' });
      expect(await inventory.stock()).toHaveLength(DEMO_PRODUCTS);
      expect(inventory.child.exitCode).toBeNull();
    } finally {
      admin.disconnect();
    }
  });
});

describe('a Redis restarted without its data', () => {
  let recorder: Awaited<ReturnType<typeof recordTopics>>;
  beforeAll(async () => {
    recorder = await recordTopics(['stock.updated', 'stock.reserved', 'stock.failed'], kafka.brokers);
  });
  afterAll(() => recorder.stop());

  it('when Redis comes back empty while the service runs, then the demo stock is seeded again, the cache is told, and an order reserves it', async () => {
    const redis = await startRedis();
    const inventory = await launch(redis.url);
    await waitFor(inventory.ready, { timeoutMs: 45_000, what: 'inventory-service to be ready' });
    const before = (await inventory.stock())!.find((item) => item.productId === 'sku-001')!;

    await redis.restart(); // same port, no AOF: every inventory key is gone

    // A new seed starts its versions at the store's clock, above every version of the lost store.
    const stock = await waitFor(
      async () => {
        const items = await inventory.stock();
        return items?.length === DEMO_PRODUCTS && items[0]!.version > before.version && items;
      },
      { timeoutMs: 20_000, what: 'the demo stock to be seeded again' },
    );
    expect(stock[0]).toMatchObject({ productId: 'sku-001', available: before.available, reserved: 0, sold: 0 });
    // Whatever was sold since the first seed is on sale again: an operator must hear of it.
    await waitFor(() => inventory.errors.find((msg) => msg.includes('stock was lost')), {
      what: 'an error saying the stock was lost and seeded again',
    });
    await recorder.waitForEvent(
      'stock.updated',
      (e) => e.subject === 'sku-001' && e.data.reason === 'seed' && e.data.version === stock[0]!.version,
    );

    const order = buildOrderCreated({ items: [{ productId: 'sku-001', quantity: 1, unitPrice: 1999 }] });
    const pub = await testPublisher(kafka.brokers);
    await pub.publish('order.created', order);
    await pub.stop();
    const outcome = await waitFor(
      () =>
        recorder
          .events()
          .find((e) => e.type !== 'stock.updated' && (e.data as { orderId?: string }).orderId === order.orderId),
      { timeoutMs: 30_000, what: "the order's stock outcome" },
    );
    expect(outcome.type).toBe('stock.reserved');
  });

  it('when DEMO_STOCK=false, then an empty store is never seeded: not at start, not when Redis comes back empty', async () => {
    const redis = await startRedis();
    const inventory = await launch(redis.url, { DEMO_STOCK: 'false' });
    await waitFor(inventory.ready, { timeoutMs: 45_000, what: 'inventory-service to be ready' });
    expect(await inventory.stock()).toEqual([]);

    await redis.restart();
    const client = createRedis(redis.url, createLogger('test', 'silent'), 'demo-stock-off');
    await connectRedis(client);
    // Back and serving (a read answers from the new server), and still nothing was seeded.
    await waitFor(async () => (await inventory.stock()) !== undefined && inventory.ready(), {
      what: 'inventory-service to serve again',
    });
    expect(await inventory.stock()).toEqual([]);
    expect(await client.exists('inventory:seeded')).toBe(0);
    client.disconnect();
  });
});
