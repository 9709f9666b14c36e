import { spawn } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { Writable } from 'node:stream';
import { AxiosError, AxiosHeaders } from 'axios';
import pino from 'pino';
import request from 'supertest';
import {
  Health,
  PROCESS_CORRELATION_ID,
  REDACT_PATHS,
  createHttpApp,
  createLogger,
  createMetrics,
  lazyChild,
} from '../src';

describe('logger', () => {
  it('redacts card data, tokens and authorization at any of the usual depths', () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _enc, cb) {
        lines.push(chunk.toString());
        cb();
      },
    });
    const log = pino({ redact: { paths: REDACT_PATHS, censor: '[redacted]' } }, sink);
    log.info({
      cardNumber: '4242424242424242',
      body: { cvc: '123', payment: { token: 'tok_secret' } },
      headers: { authorization: 'Bearer x' },
    });
    // Two levels down, as a request's body is logged: { req: { body } }.
    log.info({ req: { body: { cardNumber: '5555555555554444', cvv: '987' } } });
    const out = lines.join('');
    expect(out).not.toContain('4242424242424242');
    expect(out).not.toContain('5555555555554444');
    expect(out).not.toContain('"987"');
    expect(out).not.toContain('"123"');
    expect(out).not.toContain('tok_secret');
    expect(out).not.toContain('Bearer x');
  });

  it("when an axios error is logged, then its request's body, headers and credentials are not, but where it went is", () => {
    const lines: Record<string, unknown>[] = [];
    const log = createLogger('test', 'info', { write: (line: string) => void lines.push(JSON.parse(line)) });
    const config = {
      method: 'post',
      baseURL: 'http://gw-user:gw-pass@gateway.local:3010/api/',
      url: '/v1/charges?key=k1',
      headers: new AxiosHeaders({ Authorization: 'Bearer gw-secret', 'Idempotency-Key': 'ord_1:1' }),
      data: JSON.stringify({ amount: 2499, currency: 'USD', source: 'tok_visa_secret', orderId: 'ord_1' }),
    };
    const response = { status: 503, statusText: 'x', headers: {}, config, data: { echo: 'tok_visa_secret' } };
    const err = new AxiosError('Request failed with status code 503', 'ERR_BAD_RESPONSE', config, {}, response);
    log.error({ err }, 'gateway call failed');

    const text = JSON.stringify(lines);
    for (const secret of ['tok_visa_secret', 'gw-secret', 'gw-pass', 'gw-user', 'key=k1'])
      expect(text).not.toContain(secret);
    expect(lines[0]?.err).toMatchObject({
      type: 'AxiosError',
      message: 'Request failed with status code 503',
      code: 'ERR_BAD_RESPONSE',
      status: 503,
      method: 'POST',
      url: 'http://gateway.local:3010/api/v1/charges',
    });
  });

  it("when a Redis error is logged, then the command's arguments are not, but its name is", () => {
    // ioredis attaches the failed command; a script's arguments carry what redaction paths cannot
    // name by position (checkout's create script: the order.created record, its payment token).
    const lines: Record<string, unknown>[] = [];
    const log = createLogger('test', 'info', { write: (line: string) => void lines.push(JSON.parse(line)) });
    const err = Object.assign(new Error('OOM command not allowed when used memory > maxmemory'), {
      name: 'ReplyError',
      command: { name: 'evalsha', args: ['sha', '1', 'checkout:order:ord_1', '{"payment":{"token":"tok_secret_1"}}'] },
    });
    log.error({ err }, 'order not stored');

    expect(JSON.stringify(lines)).not.toContain('tok_secret_1');
    expect(lines[0]?.err).toMatchObject({ command: { name: 'evalsha', args: '[redacted]' } });
  });

  it('when the process is killed right after a line, then with synchronousStdout the line is out', async () => {
    // pino's default writes asynchronously: what it had not written yet goes with a SIGKILL.
    const script = [
      `const { createLogger, synchronousStdout } = require(${JSON.stringify(path.resolve(__dirname, '..', 'dist'))});`,
      "const log = createLogger('sync-test', 'info', synchronousStdout());",
      "for (let i = 0; i < 200; i++) log.info({ i }, 'notification sent');",
      "process.kill(process.pid, 'SIGKILL');",
    ].join('\n');
    const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const [, signal] = (await once(child, 'close')) as [number | null, string | null];
    expect(signal).toBe('SIGKILL');
    expect(
      out
        .trim()
        .split('\n')
        .map((l) => (JSON.parse(l) as { i: number }).i),
    ).toEqual(Array.from({ length: 200 }, (_, i) => i));
  });

  describe('correlation ids', () => {
    const capture = () => {
      const raw: string[] = [];
      const logger = createLogger('test', 'info', { write: (line: string) => void raw.push(line) });
      return { logger, raw, lines: () => raw.map((l) => JSON.parse(l) as Record<string, unknown>) };
    };

    it("when a line has no request or event (start-up, a background job), then it carries the process' correlation id", () => {
      const { logger, lines } = capture();
      logger.info('listening');
      logger.child({ component: 'kafkajs' }).warn('broker gone');
      expect(lines().map((l) => l.correlationId)).toEqual([PROCESS_CORRELATION_ID, PROCESS_CORRELATION_ID]);
      expect(PROCESS_CORRELATION_ID).toMatch(/^[0-9a-f-]{36}$/);
    });

    it('when a line has its own (in its fields or its bound child), then it carries that one, once', () => {
      const { logger, raw, lines } = capture();
      logger.warn({ correlationId: 'req-1' }, 'request failed');
      lazyChild(logger, () => ({ correlationId: 'evt-1', eventId: 'e' })).info('handled');
      logger.warn({ correlationId: undefined }, 'a dead letter without the header');
      expect(lines().map((l) => l.correlationId)).toEqual(['req-1', 'evt-1', PROCESS_CORRELATION_ID]);
      for (const line of raw) expect(line.match(/"correlationId"/g)).toHaveLength(1);
    });
  });

  describe('lazyChild', () => {
    const capture = (level: string) => {
      const lines: Record<string, unknown>[] = [];
      const logger = createLogger('test', level, { write: (line: string) => void lines.push(JSON.parse(line)) });
      let built = 0;
      const log = lazyChild(logger, () => {
        built++;
        return { eventId: 'e1', correlationId: 'c1' };
      });
      return { lines, log, built: () => built };
    };

    it('when nothing is written at an enabled level, then no child is built and nothing is written', () => {
      const { lines, log, built } = capture('warn');
      log.info({ orderId: 'o1' }, 'status changed');
      log.debug('held');
      expect(built()).toBe(0);
      expect(lines).toEqual([]);
    });

    it('when lines are written, then each carries the bindings, built once, and card data stays redacted', () => {
      const { lines, log, built } = capture('info');
      log.info({ orderId: 'o1' }, 'first');
      log.error({ err: new Error('boom'), cardNumber: '4242424242424242' }, 'second');
      expect(built()).toBe(1);
      expect(lines).toMatchObject([
        { level: 'info', msg: 'first', orderId: 'o1', eventId: 'e1', correlationId: 'c1', service: 'test' },
        { level: 'error', msg: 'second', eventId: 'e1', correlationId: 'c1', err: { message: 'boom' } },
      ]);
      expect(JSON.stringify(lines)).not.toContain('4242424242424242');
    });
  });

  it("logs a failed request with the request's correlation id", async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _enc, cb) {
        lines.push(chunk.toString());
        cb();
      },
    });
    const logger = createLogger('test', 'info', sink);
    const app = createHttpApp({ logger, health: new Health(), metrics: createMetrics('logger-test') }, (a) => {
      a.get('/boom', () => {
        throw new Error('boom');
      });
    });
    await request(app).get('/boom').set('x-correlation-id', 'corr-42').expect(500);
    expect(lines.map((l) => JSON.parse(l) as Record<string, unknown>)).toContainEqual(
      expect.objectContaining({ service: 'test', correlationId: 'corr-42', msg: 'request failed' }),
    );
  });
});
