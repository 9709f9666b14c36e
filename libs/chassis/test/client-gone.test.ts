import { once } from 'node:events';
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { setImmediate as nextTurn } from 'node:timers/promises';
import express from 'express';
import { watchClient } from '../src';

describe('watchClient', () => {
  it('when the client has sent its FIN, then it counts as gone at once, before the response closes', async () => {
    const seen: { finRead: boolean; closed: boolean; gone: boolean }[] = [];
    const app = express();
    app.post('/work', async (req, res) => {
      const clientGone = watchClient(res);
      let closed = false;
      res.once('close', () => (closed = true));
      // The first turn of the loop in which Node has read the FIN: 'close' follows a turn or two later.
      while (!req.socket.readableEnded && !closed) await nextTurn();
      seen.push({ finRead: req.socket.readableEnded, closed, gone: clientGone() });
      res.end();
    });
    const server = http.createServer(app);
    await once(server.listen(0, '127.0.0.1'), 'listening');
    try {
      const socket = net.connect((server.address() as AddressInfo).port, '127.0.0.1');
      socket.on('error', () => undefined);
      await once(socket, 'connect');
      // A request and then the client's FIN, as a client whose timeout fired closes its socket.
      socket.end('POST /work HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n');
      await once(socket, 'close');
      while (!seen.length) await nextTurn();
      expect(seen).toEqual([{ finRead: true, closed: false, gone: true }]);
    } finally {
      server.close();
    }
  });
});
