import * as nodeHttp from 'node:http';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';
import { AppError, InternalClient } from '../src';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of cleanups.splice(0).reverse()) await close();
});

type Handler = (req: nodeHttp.IncomingMessage, body: string, res: nodeHttp.ServerResponse) => void;

async function serve(handler: Handler) {
  const server = nodeHttp.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => handler(req, body, res));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  };
  cleanups.push(close);
  return { url, close };
}

function client(opts: ConstructorParameters<typeof InternalClient>[0]) {
  const c = new InternalClient(opts);
  cleanups.push(() => c.close());
  return c;
}

describe('InternalClient (calls between our services)', () => {
  it('when it posts for a request context, then the peer gets the JSON and the correlation and trace headers', async () => {
    const seen: { headers?: nodeHttp.IncomingHttpHeaders; body?: string } = {};
    const peer = await serve((req, body, res) => {
      Object.assign(seen, { headers: req.headers, body });
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
    });
    const http = client({ service: 'peer', baseURL: peer.url });
    const traceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    const res = await http.post('/x', { a: 1 }, { correlationId: 'corr-1', traceparent });
    expect(res).toEqual({ status: 200, body: { ok: true } });
    expect(JSON.parse(seen.body ?? '')).toEqual({ a: 1 });
    expect(seen.headers).toMatchObject({
      'x-correlation-id': 'corr-1',
      traceparent,
      'content-type': 'application/json',
    });
  });

  it('when the peer answers an error status, then the status is returned for the caller to judge', async () => {
    const peer = await serve((_req, _body, res) => res.writeHead(404).end('not json'));
    const http = client({ service: 'peer', baseURL: peer.url });
    expect(await http.get('/missing')).toEqual({ status: 404, body: undefined });
  });

  it('when the peer answers 503 saying what is down behind it, then the 503 passes that on', async () => {
    const peer = await serve((_req, _body, res) =>
      res
        .writeHead(503, { 'content-type': 'application/json' })
        .end('{"error":"DEPENDENCY_UNAVAILABLE","message":"inventory-cache-service is unavailable","details":[]}'),
    );
    const http = client({ service: 'validation-service', baseURL: peer.url });
    const err = (await http.postJson('/validate', {}, z.object({})).catch((e: unknown) => e)) as AppError;
    expect([err.status, err.message]).toEqual([
      503,
      'validation-service (HTTP 503: inventory-cache-service is unavailable) is unavailable',
    ]);
  });

  it("when the peer answers another error status, then its message is not passed on (a misrouted URL's 404)", async () => {
    const peer = await serve((_req, _body, res) =>
      res
        .writeHead(404, { 'content-type': 'application/json' })
        .end('{"error":"NOT_FOUND","message":"no route for POST /validate","details":[]}'),
    );
    const http = client({ service: 'validation-service', baseURL: peer.url });
    const err = (await http.postJson('/validate', {}, z.object({})).catch((e: unknown) => e)) as AppError;
    expect([err.status, err.message]).toEqual([503, 'validation-service (HTTP 404) is unavailable']);
  });

  it('when nothing listens, then the call fails as a 503 naming the service', async () => {
    const peer = await serve(() => undefined);
    await peer.close();
    const http = client({ service: 'validation-service', baseURL: peer.url });
    const err = (await http.get('/x').catch((e: unknown) => e)) as AppError;
    expect(err).toBeInstanceOf(AppError);
    expect(err.status).toBe(503);
    expect(err.message).toContain('validation-service');
  });

  it('when the peer does not answer in time, then the call fails as a 503 after the timeout', async () => {
    const peer = await serve(() => undefined);
    const http = client({ service: 'slow-service', baseURL: peer.url, timeoutMs: 100 });
    const started = Date.now();
    const err = (await http.get('/x').catch((e: unknown) => e)) as AppError;
    expect(err.status).toBe(503);
    expect(Date.now() - started).toBeGreaterThanOrEqual(90);
  });

  it('when the connection drops before an answer, then the call is sent once more', async () => {
    let calls = 0;
    const peer = await serve((req, _body, res) => {
      calls += 1;
      if (calls === 1) req.socket.destroy();
      else res.writeHead(200, { 'content-type': 'application/json' }).end('{"n":2}');
    });
    const http = client({ service: 'peer', baseURL: peer.url });
    // A POST: undici itself re-sends only idempotent methods.
    expect(await http.post('/x', {})).toEqual({ status: 200, body: { n: 2 } });
    expect(calls).toBe(2);
  });
});
