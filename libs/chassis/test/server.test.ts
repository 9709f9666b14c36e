import http from 'node:http';
import net from 'node:net';
import express from 'express';
import { setTimeout as delay } from 'node:timers/promises';
import { closeServer, listen, stopKeepAlive } from '../src';

/** One GET on the given agent's kept-alive socket: the status and the Connection header it got. */
const get = (port: number, agent: http.Agent) =>
  new Promise<{ status?: number; connection?: string }>((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path: '/work', agent }, (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode, connection: res.headers.connection }));
      })
      .on('error', reject);
  });

describe('closeServer', () => {
  it('when a client keeps sending on a kept-alive connection, then close ends that socket and resolves while the client is still sending', async () => {
    let served = 0;
    let busy!: () => void;
    const thirdRequestBusy = new Promise<void>((r) => (busy = r));
    const app = express();
    app.get('/work', (_req, res) => {
      if (++served === 3) busy();
      setTimeout(() => res.send('ok'), 5);
    });
    const server = await listen(app, 0, '127.0.0.1');
    const { port } = server.address() as { port: number };
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });

    // A steady client on one socket; close is called while its third request is being served.
    const answers: string[] = [];
    const client = (async () => {
      for (let i = 0; i < 400 && answers.at(-1) !== 'refused'; i++)
        answers.push(
          await get(port, agent).then(
            () => 'ok',
            () => 'refused',
          ),
        );
    })();
    await thirdRequestBusy;
    await closeServer(server);
    const answeredBeforeClosed = answers.length;
    await client;
    agent.destroy();

    // Node's close() alone would go on serving this socket for all 400 requests, then wait out
    // keepAliveTimeout before resolving.
    expect(answeredBeforeClosed).toBeLessThan(400);
    expect(answers.at(-1)).toBe('refused');
  });

  it('when the shutdown drain begins, then the server still answers but tells keep-alive clients to close', async () => {
    const app = express();
    app.get('/work', (_req, res) => void res.send('ok'));
    const server = await listen(app, 0, '127.0.0.1');
    const { port } = server.address() as { port: number };
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      expect(await get(port, agent)).toEqual({ status: 200, connection: 'keep-alive' });
      stopKeepAlive(server);
      expect(await get(port, agent)).toEqual({ status: 200, connection: 'close' });
    } finally {
      agent.destroy();
      await closeServer(server);
    }
  });
});

describe('listen: slow clients (slowloris)', () => {
  // The defaults are 10 s and 15 s; short ones keep the test short.
  const timeouts = { headersTimeoutMs: 1000, requestTimeoutMs: 1500 };
  const app = express().post('/echo', express.json(), (req, res) => void res.json(req.body));
  app.get('/work', (_req, res) => void res.send('ok'));
  let server: http.Server;
  let port: number;
  beforeAll(async () => {
    server = await listen(app, 0, '127.0.0.1', timeouts);
    port = (server.address() as net.AddressInfo).port;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await closeServer(server);
  });

  /** Sends `head` and then nothing: resolves once the server has closed the socket. */
  const closedAfter = (head: string) =>
    new Promise<void>((resolve) => {
      const socket = net.connect(port, '127.0.0.1', () => socket.write(head));
      socket.on('data', () => undefined);
      socket.on('error', () => undefined);
      socket.on('close', () => resolve());
    });

  it('when a client sends half a request head and stalls, then the server drops it (Node held it 60 s)', async () => {
    await closedAfter('POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n');
  });

  it('when a client sends the head and stalls mid-body, then the server drops it (Node held it 300 s)', async () => {
    await closedAfter(
      'POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"n":',
    );
  });

  it('when a kept-alive socket idles past the head timeout, then its next request is still served', async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      expect((await get(port, agent)).status).toBe(200);
      // Idle time is what is tested here: nothing to wait for but the clock.
      await delay(2 * timeouts.requestTimeoutMs);
      expect((await get(port, agent)).status).toBe(200);
    } finally {
      agent.destroy();
    }
  });
});
