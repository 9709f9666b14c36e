import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { waitFor } from '../../test/support';

// eslint-disable-next-line @typescript-eslint/no-require-imports -- plain JS scripts
const { freePort, stopChild } = require('../../scripts/lib/infra') as {
  freePort(): Promise<number>;
  stopChild(child: ChildProcess): Promise<void>;
};

interface ExportedSpan {
  traceId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
}

/**
 * With OTEL_EXPORTER_OTLP_ENDPOINT set, a request's HTTP server span is exported in the caller's
 * trace. The SDK used to start in Runtime's constructor, after the chassis had loaded http and
 * express, so their instrumentations patched nothing and only the Kafka spans were exported. The
 * built service runs in a process of its own (the SDK's exporter cannot load in jest's VM), with a
 * stand-in OTLP/HTTP collector (JSON) that records what it receives.
 */
describe('validation-service with tracing on', () => {
  const spans: ExportedSpan[] = [];
  const collector = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      try {
        const doc = JSON.parse(body) as {
          resourceSpans?: { scopeSpans?: { spans?: ExportedSpan[] }[] }[];
        };
        for (const rs of doc.resourceSpans ?? []) for (const ss of rs.scopeSpans ?? []) spans.push(...(ss.spans ?? []));
      } catch {
        // not a trace export
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  let service: ChildProcess;
  let url: string;

  beforeAll(async () => {
    await new Promise<void>((r) => collector.listen(0, '127.0.0.1', r));
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    service = spawn(process.execPath, [path.join(__dirname, '..', 'dist', 'main.js')], {
      env: {
        PATH: process.env.PATH,
        PORT: String(port),
        LOG_LEVEL: 'silent',
        OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${(collector.address() as AddressInfo).port}`,
        OTEL_BSP_SCHEDULE_DELAY: '100',
      },
      stdio: 'ignore',
    });
    await waitFor(async () => (await fetch(`${url}/health/live`).catch(() => undefined))?.ok, {
      what: 'validation-service to start',
      timeoutMs: 30_000,
    });
  }, 40_000);
  afterAll(async () => {
    await stopChild(service);
    collector.closeAllConnections();
    await new Promise((r) => collector.close(r));
  });

  it("when a request carries a traceparent, then its server span is exported in that trace, the caller's span its parent", async () => {
    const traceId = randomBytes(16).toString('hex');
    const parentSpanId = randomBytes(8).toString('hex');
    const res = await fetch(`${url}/products`, { headers: { traceparent: `00-${traceId}-${parentSpanId}-01` } });
    expect(res.status).toBe(200);

    const server = await waitFor(() => spans.find((s) => s.traceId === traceId && s.kind === 2 /* SERVER */), {
      what: 'the request span to be exported',
      timeoutMs: 20_000,
    });
    expect(server.parentSpanId).toBe(parentSpanId);
    expect(server.name).toMatch(/GET/);
  }, 30_000);
});
