import { createServer, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Express } from 'express';

const serverOf = new WeakMap<Socket, Server>();
/** Per server, how to end each response that stays open until something happens. */
const streams = new WeakMap<Server, Set<() => void>>();

/**
 * How long a client may take to send a request's head, and the whole request: a client that opens
 * one and stalls (slowloris) loses its socket within seconds instead of Node's 60 s and 300 s, and
 * cannot pile up sockets until the process runs out of descriptors. Checked every second. Idle
 * keep-alive sockets are not requests: they last keepAliveTimeout (65 s, above the load balancers'
 * usual 60 s idle timeout, so the balancer closes first).
 */
export interface RequestTimeouts {
  headersTimeoutMs: number;
  requestTimeoutMs: number;
}
export const DEFAULT_REQUEST_TIMEOUTS: RequestTimeouts = { headersTimeoutMs: 10_000, requestTimeoutMs: 15_000 };

export function listen(
  app: Express,
  port: number,
  host?: string,
  { headersTimeoutMs, requestTimeoutMs }: RequestTimeouts = DEFAULT_REQUEST_TIMEOUTS,
): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer(
      { headersTimeout: headersTimeoutMs, requestTimeout: requestTimeoutMs, connectionsCheckingInterval: 1000 },
      app,
    );
    server.listen(port, host, () => resolve(server));
    server.keepAliveTimeout = 65_000;
    server.on('connection', (socket: Socket) => serverOf.set(socket, server));
    server.on('error', reject);
  });
}

const leaving = new WeakSet<Server>();

/**
 * From now on every response says `Connection: close`, so keep-alive clients reconnect (through
 * the load balancer, to another instance) while this one still serves: the shutdown's drain
 * delay moves them off before the port closes instead of cutting their sockets then.
 */
export function stopKeepAlive(server: Server): void {
  if (leaving.has(server)) return;
  leaving.add(server);
  server.prependListener('request', (_req, res) => res.setHeader('Connection', 'close'));
}

/**
 * Marks a response that stays open until something happens (a Server-Sent Events stream). Shutdown
 * calls `end`, which should finish it cleanly, rather than wait for it: close() waits for every
 * open response, and a stream need not end before the deadline. Responses of servers not started
 * with listen() are not tracked.
 */
export function trackStream(res: ServerResponse, end: () => void): void {
  const server = res.socket ? serverOf.get(res.socket) : undefined;
  if (!server || res.destroyed) return;
  let open = streams.get(server);
  if (!open) streams.set(server, (open = new Set()));
  const tracked = open;
  tracked.add(end);
  res.once('close', () => tracked.delete(end));
}

/**
 * Stops accepting connections, lets in-flight requests finish, and ends every keep-alive socket.
 * Node's close() alone keeps serving new requests on a connection that was busy when it was
 * called, and then waits out keepAliveTimeout (65 s here) on it: a client sending steadily would
 * hold shutdown past its deadline. So each request from here on is answered with
 * `Connection: close`, and sockets are swept as soon as they go idle. Streams (trackStream) are
 * ended first; their clients reconnect elsewhere.
 */
export function closeServer(server: Server, sweepMs = 25): Promise<void> {
  return new Promise((resolve) => {
    stopKeepAlive(server);
    for (const end of [...(streams.get(server) ?? [])]) end();
    const sweep = setInterval(() => server.closeIdleConnections(), sweepMs);
    sweep.unref();
    server.close(() => {
      clearInterval(sweep);
      resolve();
    });
    server.closeIdleConnections();
  });
}
