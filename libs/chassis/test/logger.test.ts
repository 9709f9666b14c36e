import { Writable } from 'node:stream';
import pino from 'pino';
import { REDACT_PATHS, createLogger, runWithContext } from '../src';

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

  it('adds the correlation id of the current context to every line', () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _enc, cb) {
        lines.push(chunk.toString());
        cb();
      },
    });
    const log = createLogger('test', 'info', sink);
    runWithContext({ correlationId: 'corr-42', causationId: 'evt-1' }, () => log.info('hello'));
    expect(JSON.parse(lines[0]!)).toMatchObject({
      service: 'test',
      correlationId: 'corr-42',
      causationId: 'evt-1',
      msg: 'hello',
    });
  });
});
