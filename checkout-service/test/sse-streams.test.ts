import http from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { closeServer, listen } from '@checkout/chassis';
import { buildCheckoutRequest } from '@checkout/contracts';
import { waitFor } from '../../test/support';
import { OrderStore } from '../src/store/order-store';
import { validAnswer } from './fake-validation';
import { startHarness, type Harness } from './harness';

/** The store the streams read through, counting its reads (the run's Redis is shared by other files). */
class CountingOrders extends OrderStore {
  reads = 0;
  override get(orderId: string) {
    this.reads++;
    return super.get(orderId);
  }
}

let h: Harness;
let server: Server;
let orders: CountingOrders;
const sockets: http.ClientRequest[] = [];

beforeAll(async () => {
  h = await startHarness();
  h.fake.answerWith(validAnswer);
  // As main.ts runs it: the default 500 ms fallback poll.
  orders = new CountingOrders(h.redis, h.outbox, h.prefix);
  server = await listen(h.appWith({ statusPollMs: undefined, orders }), 0, '127.0.0.1');
});
afterAll(async () => {
  for (const s of sockets) s.destroy();
  await closeServer(server);
  await h.stop();
});

/**
 * Anyone who knows one order id can open status streams to it. Each polled Redis on its own every
 * 500 ms for as long as the order was not finished (up to the 15 min reservation, or for good if
 * the saga stalls): 300 idle streams made 600 reads a second. Streams of one order now share one
 * read per poll, and an instance holds a bounded number of them.
 */
describe('GET /orders/:orderId/events — many idle streams', () => {
  it('when 300 clients watch one PENDING order, then their idle streams do not each poll Redis', async () => {
    const orderId = (await request(h.app).post('/checkout').send(buildCheckoutRequest())).body.orderId as string;
    const { port } = server.address() as AddressInfo;
    const agent = new http.Agent({ keepAlive: false, maxSockets: Infinity });
    let open = 0;
    for (let i = 0; i < 300; i++) {
      const req = http.get({ host: '127.0.0.1', port, path: `/orders/${orderId}/events`, agent }, (res) => {
        if (res.statusCode === 200) res.once('data', () => open++);
        res.resume();
      });
      req.on('error', () => undefined);
      sockets.push(req);
    }
    await waitFor(() => open === 300, { what: 'all streams open' });

    const before = orders.reads;
    const started = Date.now();
    await new Promise((r) => setTimeout(r, 2000)); // a measurement window, not a wait for a condition
    const readsPerSecond = (orders.reads - before) / ((Date.now() - started) / 1000);

    // Nothing changed: one poll of the order (or a few) a second would do for every watcher.
    expect(readsPerSecond).toBeGreaterThan(0); // the streams do poll, through this store
    expect(readsPerSecond).toBeLessThan(20);
  });

  it('when an instance holds its most streams, then another is refused 503 with Retry-After, and allowed once one closes', async () => {
    const capped = await listen(h.appWith({ maxStreams: 2 }), 0, '127.0.0.1');
    const { port } = capped.address() as AddressInfo;
    const orderId = (await request(h.app).post('/checkout').send(buildCheckoutRequest())).body.orderId as string;
    const open = (): Promise<{ req: http.ClientRequest; status?: number; retryAfter?: string }> =>
      new Promise((resolve) => {
        const req = http.get({ host: '127.0.0.1', port, path: `/orders/${orderId}/events` }, (res) => {
          res.resume();
          resolve({ req, status: res.statusCode, retryAfter: res.headers['retry-after'] as string | undefined });
        });
        req.on('error', () => undefined);
      });
    try {
      const [a, b] = [await open(), await open()];
      expect([a.status, b.status]).toEqual([200, 200]);
      const refused = await open();
      expect(refused).toMatchObject({ status: 503, retryAfter: '5' });
      // An EventSource (Accept: text/event-stream) would give up for good on the 503: it is told
      // over a stream to come back in 5 to 10 s.
      const asked = await request(capped).get(`/orders/${orderId}/events`).set('Accept', 'text/event-stream');
      expect([asked.status, asked.headers['content-type']]).toEqual([200, 'text/event-stream; charset=utf-8']);
      const [, said, retry] = /^: TOO_MANY_STREAMS, reconnect in (\d+) ms\nretry: (\d+)\n\n$/.exec(asked.text) ?? [];
      expect(said).toBe(retry);
      expect(Number(retry)).toBeGreaterThanOrEqual(5000);
      expect(Number(retry)).toBeLessThanOrEqual(10_000);
      a.req.destroy();
      await waitFor(async () => (await open()).status === 200, { what: 'a stream once one closed' });
    } finally {
      capped.closeAllConnections();
      await closeServer(capped);
    }
  });

  it('when an order waits, then its stream sends a keep-alive comment now and then, which an SSE client ignores', async () => {
    const beating = await listen(h.appWith({ keepAliveMs: 50 }), 0, '127.0.0.1');
    const { port } = beating.address() as AddressInfo;
    const orderId = (await request(h.app).post('/checkout').send(buildCheckoutRequest())).body.orderId as string;
    let body = '';
    const req = http.get({ host: '127.0.0.1', port, path: `/orders/${orderId}/events` }, (res) => {
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
    });
    req.on('error', () => undefined);
    try {
      await waitFor(() => body.split(': keep-alive\n\n').length > 3, { what: 'three keep-alive comments' });
      // The status event first, then only comments while nothing changes.
      expect(body.startsWith('event: status\n')).toBe(true);
      expect(body.match(/^event: /gm)).toHaveLength(1);
    } finally {
      req.destroy();
      beating.closeAllConnections();
      await closeServer(beating);
    }
  });
});
