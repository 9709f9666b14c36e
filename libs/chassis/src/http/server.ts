import type { Server } from 'node:http';
import type { Express } from 'express';

export function listen(app: Express, port: number, host = '0.0.0.0'): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = app.listen(port, host, (err?: Error) => (err ? reject(err) : resolve(server)));
    server.keepAliveTimeout = 65_000;
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
 * Stops accepting connections, lets in-flight requests finish, and ends every keep-alive socket.
 * Node's close() alone keeps serving new requests on a connection that was busy when it was
 * called, and then waits out keepAliveTimeout (65 s here) on it: a client sending steadily would
 * hold shutdown past its deadline. So each request from here on is answered with
 * `Connection: close`, and sockets are swept as soon as they go idle.
 */
export function closeServer(server: Server, sweepMs = 25): Promise<void> {
  return new Promise((resolve) => {
    stopKeepAlive(server);
    const sweep = setInterval(() => server.closeIdleConnections(), sweepMs);
    sweep.unref();
    server.close(() => {
      clearInterval(sweep);
      resolve();
    });
    server.closeIdleConnections();
  });
}
