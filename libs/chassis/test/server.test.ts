import http from 'node:http';
import express from 'express';
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
