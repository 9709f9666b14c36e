import net from 'node:net';
import { connectRedis, createLogger, createRedis, type Redis } from '@checkout/chassis';
import { testRedisUrl } from './env';

export type ReplyDroppingProxy = Awaited<ReturnType<typeof replyDroppingProxy>>;

/**
 * A TCP proxy to a server (Redis here) that, when armed, swallows the next reply and drops both
 * connections: the command ran, and its answer never reached the client. ioredis then reconnects
 * and re-sends the command (autoResendUnfulfilledCommands), so a script or command meets the
 * effects of its own first run. What every write on a retried path must survive. It can also
 * stall: hold what clients send for a while, then pass it on in order, as a server that stopped
 * answering (SIGSTOP, a long pause) runs its queued commands when it resumes, after their callers
 * timed out. Or it can delay a reply: the server answered, and the answer comes late (a slow link, a
 * client paused), the replies behind it waiting in order.
 */
export async function replyDroppingProxy(targetPort: number) {
  let armed = false;
  let dropped = 0;
  let stalledUntil = 0;
  let delayNextMs = 0;
  let refuseAfterDropMs = 0;
  let delayed = 0;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(targetPort, '127.0.0.1');
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('error', () => undefined);
      s.on('close', () => sockets.delete(s));
    }
    const held: Buffer[] = [];
    const release = () => {
      for (const d of held.splice(0)) upstream.write(d);
    };
    client.on('data', (d: Buffer) => {
      const wait = stalledUntil - Date.now();
      if (wait <= 0 && held.length === 0) return void upstream.write(d);
      if (held.push(d) === 1) setTimeout(release, Math.max(0, wait));
    });
    const late: Buffer[] = [];
    const deliverLate = () => {
      for (const d of late.splice(0)) client.write(d);
    };
    upstream.on('data', (d: Buffer) => {
      if (delayNextMs > 0) {
        delayed++;
        setTimeout(deliverLate, delayNextMs);
        delayNextMs = 0;
        return void late.push(d);
      }
      if (late.length > 0) return void late.push(d);
      if (armed) {
        armed = false;
        dropped++;
        if (refuseAfterDropMs > 0) unreachableFor(refuseAfterDropMs);
        client.destroy();
        upstream.destroy();
        return;
      }
      client.write(d);
    });
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  /** Not listening for `ms`: connecting is refused (ECONNREFUSED), as with a server that went away. */
  let closed = false;
  let relisten: NodeJS.Timeout | undefined;
  const unreachableFor = (ms: number) => {
    server.close();
    relisten = setTimeout(() => closed || server.listen(port, '127.0.0.1'), ms);
  };
  server.on('error', () => undefined); // a re-listen that fails leaves the server unreachable, as it should look
  return {
    url: `redis://127.0.0.1:${port}`,
    /**
     * The next reply to arrive is dropped, with the connection, and for `refuseMs` after it
     * connecting is refused (the server unreachable for a while). Returns whether that has
     * happened yet: a test asserts its fault fired, or a change that moved the command off this
     * connection would leave it passing without testing anything.
     */
    dropNextReply: (refuseMs = 0): (() => boolean) => {
      armed = true;
      refuseAfterDropMs = refuseMs;
      const before = dropped;
      return () => dropped > before;
    },
    /**
     * The next reply to arrive reaches its client `ms` later, and the replies after it wait behind
     * it. Returns whether that has happened yet (as dropNextReply).
     */
    delayNextReply: (ms: number): (() => boolean) => {
      delayNextMs = ms;
      const before = delayed;
      return () => delayed > before;
    },
    /** Every connection dropped now, and connecting refused for `ms` (the server gone for a while). */
    goAway: (ms: number) => {
      unreachableFor(ms);
      for (const s of sockets) s.destroy();
    },
    /** For the next `ms`, what clients send is held; then it goes on, in order. */
    stall: (ms: number) => void (stalledUntil = Date.now() + ms),
    close: async () => {
      closed = true;
      clearTimeout(relisten);
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/**
 * For a test file: a proxy to the tests' redis-server (TEST_REDIS_URL) and an ioredis client
 * through it, opened before the file's tests and closed after them.
 */
export function useRedisThroughProxy(name: string) {
  const ctx = {} as { proxy: ReplyDroppingProxy; redis: Redis };
  beforeAll(async () => {
    ctx.proxy = await replyDroppingProxy(Number(new URL(testRedisUrl()).port));
    ctx.redis = createRedis(ctx.proxy.url, createLogger('test', 'silent'), name);
    await connectRedis(ctx.redis);
  });
  afterAll(async () => {
    ctx.redis?.disconnect();
    await ctx.proxy?.close();
  });
  return ctx;
}
