import { Writable } from 'node:stream';
import pino from 'pino';
import request from 'supertest';
import { Health, REDACT_PATHS, createHttpApp, createLogger, createMetrics } from '../src';

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
    const out = lines.join('');
    expect(out).not.toContain('4242424242424242');
    expect(out).not.toContain('"123"');
    expect(out).not.toContain('tok_secret');
    expect(out).not.toContain('Bearer x');
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
