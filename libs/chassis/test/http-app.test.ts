import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Router } from 'express';
import pino from 'pino';
import request from 'supertest';
import { z } from 'zod';
import { metricValue } from '../../../test/support/metrics';
import { waitFor } from '../../../test/support/wait';
import {
  Health,
  createHttpApp,
  createLogger,
  createMetrics,
  notFound,
  parseInput,
  refusalLogger,
  requireAdmin,
} from '../src';

const build = (health = new Health()) =>
  createHttpApp(
    { logger: createLogger('chassis-test', 'silent'), health, metrics: createMetrics('chassis-test') },
    (app) => {
      app.post('/echo', (req, res) => {
        res.json(parseInput(z.strictObject({ n: z.number().int() }), req.body));
      });
      app.post('/sku', (req, res) => {
        res.json(
          parseInput(
            z.strictObject({
              sku: z
                .string()
                .min(1)
                .regex(/^[a-z]+$/),
            }),
            req.body,
          ),
        );
      });
      app.get('/admin', requireAdmin('secret'), (_req, res) => {
        res.json({ ok: true });
      });
      app.get('/closed', requireAdmin(undefined), (_req, res) => {
        res.json({ ok: true });
      });
      app.get('/things/:id', (req) => {
        throw notFound('thing', req.params.id, 'id');
      });
      app.get('/boom', () => {
        throw new Error('kaput');
      });
      // Our own data failing its schema (an event we build) is our bug, not the client's.
      app.get('/own-schema', () => {
        z.object({ items: z.array(z.number()).min(1) }).parse({ items: [] });
      });
    },
  );

describe('HTTP app', () => {
  it('when the body is not JSON, then 400 BAD_REQUEST', async () => {
    const res = await request(build()).post('/echo').set('content-type', 'application/json').send('{"n":');
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('BAD_REQUEST');
  });

  it.each([
    ['sent as text', (r: request.Test) => r.set('content-type', 'text/plain').send('{"n":1}')],
    ['sent as a form', (r: request.Test) => r.type('form').send({ n: 1 })],
    ['missing', (r: request.Test) => r],
  ])('when the body is %s, then 400 says a JSON body with its content type is required', async (_, send) => {
    const res = await send(request(build()).post('/echo'));
    expect(res.status).toBe(400);
    expect(res.body).toEqual({
      error: 'BAD_REQUEST',
      message: expect.stringContaining('content-type: application/json'),
      details: [{ field: '(body)', code: 'missing_body', message: expect.stringContaining('JSON body is required') }],
    });
  });

  it('when a field has the wrong type or is unknown, then 400 names it', async () => {
    const res = await request(build()).post('/echo').send({ n: 1.5, extra: 1 });
    expect(res.status).toBe(400);
    expect(res.body.details.map((d: { field: string }) => d.field).sort()).toEqual(['extra', 'n']);
  });

  it('when a field breaks two rules (an empty id: too short and of the wrong form), then the 400 names it once, with the first', async () => {
    const res = await request(build()).post('/sku').send({ sku: '', extra: 1 });
    expect(res.status).toBe(400);
    expect(res.body.details).toEqual([
      { field: 'sku', code: 'too_small', message: expect.any(String) },
      { field: 'extra', code: 'unrecognized_keys', message: 'unknown field' },
    ]);
  });

  it('when an unknown key is a card number, then the 400 names it masked, in its details and its message', async () => {
    const res = await request(build()).post('/echo').send({ n: 1, '4111 1111 1111 1111': 1 });
    expect(res.status).toBe(400);
    expect(res.body.details).toEqual([{ field: '[card number]', code: 'unrecognized_keys', message: 'unknown field' }]);
    expect(JSON.stringify(res.body)).not.toMatch(/4111/);
  });

  it('when the body has many unknown or long keys, then the 400 names the first ten, cut, one entry each, and counts the rest', async () => {
    const body: Record<string, number> = { n: 1, ['k'.repeat(5000)]: 1 };
    for (let i = 0; i < 1000; i++) body[`extra${i}`] = i;
    const res = await request(build()).post('/echo').send(body);
    expect(res.status).toBe(400);
    expect(res.body.details).toEqual([
      ...[`${'k'.repeat(64)}…`, ...[...Array(9).keys()].map((i) => `extra${i}`)].map((field) => ({
        field,
        code: 'unrecognized_keys',
        message: 'unknown field',
      })),
      { field: '*', code: 'unrecognized_keys', message: '991 more unknown fields' },
    ]);
    expect(res.body.message).toMatch(/, extra8 and 991 more unknown fields$/);
    // The answer does not grow with the input: 1001 keys, one of 5000 characters, in under 2 KB.
    expect(JSON.stringify(res.body).length).toBeLessThan(2000);
  });

  it('when an unknown key is itself *, then it is named "*", apart from the entry counting the rest', async () => {
    const body: Record<string, number> = { n: 1, '*': 1 };
    for (let i = 0; i < 10; i++) body[`extra${i}`] = i;
    const res = await request(build()).post('/echo').send(body);
    expect(res.status).toBe(400);
    expect(res.body.details[0]).toEqual({ field: '"*"', code: 'unrecognized_keys', message: 'unknown field' });
    expect(res.body.details.at(-1)).toEqual({ field: '*', code: 'unrecognized_keys', message: '1 more unknown field' });
  });

  it('when two fields of one object are unknown (raw card fields), then each is a detail of its own', async () => {
    const res = await request(build()).post('/echo').send({ n: 1, cvc: '123', expiry: '12/30' });
    expect(res.status).toBe(400);
    expect(res.body.details).toEqual([
      { field: 'cvc', code: 'unrecognized_keys', message: 'unknown field' },
      { field: 'expiry', code: 'unrecognized_keys', message: 'unknown field' },
    ]);
  });

  it('when the body does not inflate as its Content-Encoding says, then 400 naming the body, not 500', async () => {
    for (const encoding of ['gzip', 'deflate', 'br']) {
      const res = await request(build())
        .post('/echo')
        .set('content-type', 'application/json')
        .set('content-encoding', encoding)
        .send('{"n":1}');
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ error: 'BAD_REQUEST', details: [{ field: '(body)', code: 'unreadable_body' }] });
    }
  });

  it('when a dependency is down, then the 503 is logged as a warning, and a failure of our own as an error', async () => {
    const lines: { level: number; msg: string; path?: string }[] = [];
    const app = createHttpApp(
      {
        logger: pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line)) }),
        health: new Health(),
        metrics: createMetrics('chassis-test'),
      },
      (a) => {
        a.get(['/down', '/down/:id'], () => {
          throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:6379'), { code: 'ECONNREFUSED' });
        });
        a.get('/boom', () => {
          throw new Error('kaput');
        });
      },
    );
    const down = await request(app).get('/down');
    expect([down.status, down.headers['retry-after']]).toEqual([503, '1']);
    const boom = await request(app).get('/boom');
    expect([boom.status, boom.headers['retry-after']]).toEqual([500, undefined]);
    expect(lines.map((l) => [l.level, l.msg])).toEqual([
      [40, 'request refused: a dependency is unavailable'],
      [50, 'request failed'],
    ]);
    // The path is the client's: a card number in it is not logged.
    expect((await request(app).get('/down/4111111111111111')).status).toBe(503);
    expect((await request(app).get('/down/4111%201111%201111%201111')).status).toBe(503);
    expect((await request(app).get(`/down/${'a'.repeat(178)}-4111111111111111`)).status).toBe(503);
    // Only the start of a long path is scanned, with room for a card number that begins in what is kept.
    expect((await request(app).get(`/down/${'a'.repeat(178)}-4111 1111 1111 1111-${'b'.repeat(5000)}`)).status).toBe(
      503,
    );
    // Zero-width spaces between its digits, which the scan ignores, do not stretch it past what is scanned.
    expect((await request(app).get(`/down/${'4111111111111111'.split('').join('%E2%80%8B'.repeat(17))}`)).status).toBe(
      503,
    );
    expect(lines.slice(2).map((l) => l.path)).toEqual([
      '/down/[card number]',
      '/down/[card number]',
      `/down/${'a'.repeat(178)}-[card number]`, // masked before it is cut: no digits of it kept
      `/down/${'a'.repeat(178)}-[card number]-b…`,
      '/down/[card number]',
    ]);
  });

  it.each([
    ['a charset it does not read', { 'content-type': 'application/json; charset=latin1' }, 'Content-Type'],
    [
      'a Content-Encoding it does not read',
      { 'content-type': 'application/json', 'content-encoding': 'br2' },
      'Content-Encoding',
    ],
  ])('when the body comes in %s, then 415 UNSUPPORTED_MEDIA_TYPE names the header', async (_what, headers, field) => {
    const res = await request(build()).post('/echo').set(headers).send('{"n":1}');
    expect(res.status).toBe(415);
    expect(res.body).toEqual({
      error: 'UNSUPPORTED_MEDIA_TYPE',
      message: expect.any(String),
      details: [expect.objectContaining({ field })],
    });
  });

  it('when the body is 2 MB, then 413 PAYLOAD_TOO_LARGE', async () => {
    const res = await request(build())
      .post('/echo')
      .set('content-type', 'application/json')
      .send(JSON.stringify({ n: 1, pad: 'x'.repeat(2 * 1024 * 1024) }));
    expect(res.status).toBe(413);
    expect(res.body).toEqual({
      error: 'PAYLOAD_TOO_LARGE',
      message: 'request body is larger than 100 KB',
      details: [{ field: '(body)', code: 'too_large', message: 'request body is larger than 100 KB' }],
    });
  });

  it('when a handler throws, then 500 without leaking the message', async () => {
    const res = await request(build()).get('/boom');
    expect(res.status).toBe(500);
    expect(JSON.stringify(res.body)).not.toContain('kaput');
  });

  it('when data the service built itself fails a schema, then 500, not a 400 blaming the client', async () => {
    const res = await request(build()).get('/own-schema');
    expect(res.status).toBe(500);
    expect(res.body).toEqual({ error: 'INTERNAL', message: 'internal error', details: [] });
  });

  it("when an error has nothing to say per field, then its body still has the contract's details, empty", async () => {
    const app = build();
    const answers = [
      await request(app).get('/no-such-route'), // 404
      await request(app).get('/boom'), // 500
      await request(app).get('/admin'), // 401, an AppError without details
      await request(app).get('/closed'), // 403
    ];
    expect(answers.map((r) => r.status)).toEqual([404, 500, 401, 403]);
    for (const r of answers)
      expect(r.body).toEqual({ error: expect.any(String), message: expect.any(String), details: [] });
  });

  it('when a path exists but not for the method, then 405 with Allow naming its methods; an unknown path is 404', async () => {
    const app = build();
    const wrong = await request(app).get('/echo');
    expect(wrong.status).toBe(405);
    expect(wrong.headers.allow).toBe('POST, OPTIONS');
    expect(wrong.body).toEqual({ error: 'METHOD_NOT_ALLOWED', message: expect.stringContaining('POST'), details: [] });
    const health = await request(app).delete('/health/ready');
    expect([health.status, health.headers.allow]).toEqual([405, 'GET, HEAD, OPTIONS']);
    const options = await request(app).options('/echo');
    expect([options.status, options.headers.allow]).toEqual([204, 'POST, OPTIONS']);
    expect((await request(app).get('/nowhere')).status).toBe(404);
    expect((await request(app).options('/nowhere')).status).toBe(404);
  });

  it('when an unknown id or path is 10 000 characters long, then the 404 or 405 names it cut, not whole', async () => {
    const app = build();
    const id = 'x'.repeat(10_000);
    const unknownId = await request(app).get(`/things/${id}`);
    expect([unknownId.status, unknownId.body.message]).toEqual([404, `thing ${'x'.repeat(64)}… not found`]);
    const wrongMethod = await request(app).delete(`/things/${id}`);
    expect([wrongMethod.status, wrongMethod.body.message]).toEqual([
      405,
      `DELETE is not allowed on /things/${'x'.repeat(192)}…: use GET, HEAD`,
    ]);
    const unknownPath = await request(app).get(`/${id}`);
    expect([unknownPath.status, unknownPath.body.message]).toEqual([404, `no route for GET /${'x'.repeat(199)}…`]);
    // A short one is named whole.
    expect((await request(app).get('/things/t-1')).body.message).toBe('thing t-1 not found');
  });

  it('when a path has routes in two routers, then 405 and OPTIONS both name the methods of both', async () => {
    const app = createHttpApp(
      { logger: createLogger('chassis-test', 'silent'), health: new Health(), metrics: createMetrics('chassis-test') },
      (a) => {
        const reads = Router();
        reads.get('/items/:id', (_req, res) => void res.json({}));
        const writes = Router();
        writes.put('/items/:id', (_req, res) => void res.json({}));
        a.use(reads);
        a.use(writes);
      },
    );
    const wrong = await request(app).delete('/items/7');
    expect([wrong.status, wrong.headers.allow]).toEqual([405, 'GET, PUT, HEAD, OPTIONS']);
    const options = await request(app).options('/items/7');
    expect([options.status, options.headers.allow]).toEqual([204, 'GET, PUT, HEAD, OPTIONS']);
  });

  it('when no correlation id is sent, then one is generated and echoed; a given one is kept', async () => {
    const generated = await request(build()).get('/health/live');
    expect(generated.headers['x-correlation-id']).toMatch(/^[0-9a-f-]{36}$/);
    for (const given of ['abc-123', 'order#1', 'abc/123']) {
      const kept = await request(build()).get('/health/live').set('x-correlation-id', given);
      expect(kept.headers['x-correlation-id']).toBe(given);
    }
    const tooLong = await request(build()).get('/health/live').set('x-correlation-id', 'c'.repeat(129));
    expect(tooLong.headers['x-correlation-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('sets security headers', async () => {
    const res = await request(build()).get('/health/live');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['x-powered-by']).toBeUndefined();
    // Orders, notifications and the audit log answer with customers' names and emails.
    expect(res.headers['cache-control']).toBe('no-store');
    // helmet's policy, but for upgrade-insecure-requests: served over http, the Swagger page's scripts
    // were then fetched over https, and /docs stayed blank.
    const policy = String(res.headers['content-security-policy']).split(';');
    expect(policy).toEqual(expect.arrayContaining(["default-src 'self'", "script-src 'self'", "object-src 'none'"]));
    expect(policy).not.toContain('upgrade-insecure-requests');
  });

  it('when an admin request has no or a wrong token, then a warning names where it came from, never the token; one let through is logged once answered, by its route', async () => {
    const lines: Record<string, unknown>[] = [];
    const app = createHttpApp(
      {
        logger: pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line)) }),
        health: new Health(),
        metrics: createMetrics('chassis-test'),
      },
      (a) => a.put('/inventory/:id', requireAdmin('secret'), (_req, res) => void res.json({ ok: true })),
    );
    expect((await request(app).put('/inventory/sku-1').set('authorization', 'Bearer guess-1234')).status).toBe(401);
    expect((await request(app).put('/inventory/sku-1')).status).toBe(401);
    const allowed = await request(app)
      .put('/inventory/4111111111111111')
      .set({ authorization: 'Bearer secret', 'x-correlation-id': 'restock-1' });
    expect(allowed.status).toBe(200);
    expect(lines).toEqual([
      expect.objectContaining({
        level: 40,
        msg: 'request refused: not authenticated',
        code: 'UNAUTHORIZED',
        method: 'PUT',
        path: '/inventory/sku-1',
        ip: expect.stringMatching(/127\.0\.0\.1/),
      }),
      expect.objectContaining({
        level: 30,
        msg: 'admin request',
        method: 'PUT',
        route: '/inventory/:id',
        status: 200,
        ip: expect.stringMatching(/127\.0\.0\.1/),
        correlationId: 'restock-1',
      }),
    ]);
    expect(JSON.stringify(lines)).not.toContain('guess-1234');
    expect(JSON.stringify(lines)).not.toContain('secret');
    expect(JSON.stringify(lines)).not.toContain('4111111111111111');
  });

  it('when the client of an admin request hangs up before the answer, then the request is still logged, as 499 (its change may have been made)', async () => {
    const lines: Record<string, unknown>[] = [];
    let finishWrite!: () => void;
    const written = new Promise<void>((resolve) => (finishWrite = resolve));
    let entered!: () => void;
    const arrived = new Promise<void>((resolve) => (entered = resolve));
    const app = createHttpApp(
      {
        logger: pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line)) }),
        health: new Health(),
        metrics: createMetrics('chassis-test'),
      },
      (a) =>
        a.put('/inventory/:id', requireAdmin('secret'), async (_req, res) => {
          entered();
          await written;
          res.json({ ok: true });
        }),
    );
    const server = app.listen(0, '127.0.0.1');
    await once(server, 'listening');
    try {
      const { port } = server.address() as AddressInfo;
      const req = http.request({
        port,
        method: 'PUT',
        path: '/inventory/sku-1',
        headers: { authorization: 'Bearer secret' },
      });
      req.on('error', () => undefined);
      req.end();
      await arrived;
      req.destroy();
      await waitFor(() => lines.find((l) => l.msg === 'admin request'), { what: 'the admin request line' });
      finishWrite();
      expect(lines.filter((l) => l.msg === 'admin request')).toEqual([
        expect.objectContaining({ method: 'PUT', route: '/inventory/:id', status: 499 }),
      ]);
    } finally {
      finishWrite();
      server.close();
    }
  });

  describe('refused admin requests in the log', () => {
    const setUp = () => {
      const lines: { fields: Record<string, unknown>; msg: string }[] = [];
      const timers: (() => void)[] = [];
      const log = refusalLogger(
        { warn: ((fields: Record<string, unknown>, msg: string) => lines.push({ fields, msg })) as never },
        10_000,
        (fn) => timers.push(fn),
      );
      /** The interval ends: its timer fires. */
      const tick = () => timers.shift()?.();
      return { lines, log, tick, timers };
    };

    it('when a flood of refusals comes, then the first is logged at once and the rest summed up when the interval ends, from which addresses', () => {
      const { lines, log, tick } = setUp();
      log({ ip: '10.0.0.1', path: '/inventory/a' });
      for (let i = 0; i < 30; i++) log({ ip: `10.0.1.${i % 12}` });
      expect(lines.map((l) => l.msg)).toEqual(['request refused: not authenticated']);
      tick();
      expect(lines[1]).toEqual({
        msg: 'requests refused: not authenticated',
        fields: { refused: 30, ips: Array.from({ length: 10 }, (_, i) => `10.0.1.${i}`), fromOtherIps: 4 },
      });
    });

    it('when refusals stop, then the interval after the last summary ends quietly, and the next refusal is logged at once', () => {
      const { lines, log, tick, timers } = setUp();
      log({ ip: '10.0.0.1' });
      log({ ip: '10.0.0.2' });
      tick(); // the summary of one
      tick(); // an interval with none: nothing more to say
      expect(timers).toEqual([]);
      log({ ip: '10.0.0.3' });
      expect(lines.map((l) => [l.msg, l.fields.refused ?? l.fields.ip])).toEqual([
        ['request refused: not authenticated', '10.0.0.1'],
        ['requests refused: not authenticated', 1],
        ['request refused: not authenticated', '10.0.0.3'],
      ]);
    });
  });

  it('guards admin routes: 401 without or with a wrong token, 403 when none is configured', async () => {
    expect((await request(build()).get('/admin')).status).toBe(401);
    expect((await request(build()).get('/admin').set('authorization', 'Bearer nope')).status).toBe(401);
    expect((await request(build()).get('/admin').set('authorization', 'Bearer secret')).status).toBe(200);
    // The scheme in any case (RFC 9110 §11.1); a 401 says how to authenticate (§15.5.2).
    expect((await request(build()).get('/admin').set('authorization', 'bearer secret')).status).toBe(200);
    expect((await request(build()).get('/admin')).headers['www-authenticate']).toBe('Bearer realm="admin"');
    expect((await request(build()).get('/closed').set('authorization', 'Bearer secret')).status).toBe(403);
  });
});

describe('health', () => {
  it('when a dependency is down, then ready is 503 and live is 200; when it is up, ready is 200', async () => {
    let redisUp = false;
    const health = new Health().register('redis', () => redisUp);
    const app = build(health);
    expect((await request(app).get('/health/ready')).status).toBe(503);
    expect((await request(app).get('/health/live')).status).toBe(200);
    redisUp = true;
    const ready = await request(app).get('/health/ready');
    expect(ready.status).toBe(200);
    expect(ready.body.checks).toEqual({ redis: 'up' });
  });

  it('when a check does not answer in time (a stalled dependency), then it is down and the probe answers at once', async () => {
    const health = new Health(50)
      .register('redis', () => new Promise<boolean>(() => undefined))
      .register('kafka', () => true);
    const res = await request(build(health)).get('/health/ready');
    expect(res.status).toBe(503);
    expect(res.body.checks).toEqual({ redis: 'down', kafka: 'up' });
  });

  it("when a check gates readiness at start only (Kafka), then ready waits for it once, and later it shows down in /health while ready stays 200; an 'always' check still turns ready 503", async () => {
    let kafkaUp = false;
    let redisUp = true;
    const health = new Health().register('redis', () => redisUp).register('kafka', () => kafkaUp, 'start');
    const app = build(health);
    expect((await request(app).get('/health/ready')).status).toBe(503);
    kafkaUp = true;
    expect((await request(app).get('/health/ready')).status).toBe(200);

    kafkaUp = false;
    const ready = await request(app).get('/health/ready');
    expect([ready.status, ready.body.checks]).toEqual([200, { redis: 'up', kafka: 'down' }]);
    expect((await request(app).get('/health')).body.checks).toEqual({ redis: 'up', kafka: 'down' });
    redisUp = false;
    expect((await request(app).get('/health/ready')).status).toBe(503);
  });

  it('when shutdown begins, then ready turns 503', async () => {
    const health = new Health();
    const app = build(health);
    expect((await request(app).get('/health/ready')).status).toBe(200);
    health.markShuttingDown();
    expect((await request(app).get('/health/ready')).status).toBe(503);
  });

  it('when requests were answered, then /metrics counts them by route and status and times them', async () => {
    const app = build();
    await request(app).get('/health/live');
    await request(app).get('/health/live');
    await request(app).get('/things/x');
    await request(app).get('/no/such/route');
    const res = await request(app).get('/metrics');
    expect(res.status).toBe(200);
    const count = (route: string, status: string) =>
      metricValue(res.text, 'http_requests_total', { method: 'GET', route, status });
    expect([count('/health/live', '200'), count('/things/:id', '404'), count('unmatched', '404')]).toEqual([2, 1, 1]);
    expect(metricValue(res.text, 'http_request_duration_seconds_count', { route: '/health/live' })).toBe(2);
  });
});
