import request from 'supertest';
import Redis from 'ioredis';
import { buildCheckoutRequest } from '@checkout/contracts';
import { connectRedis } from '@checkout/chassis';
import { createApp } from '../src/app';
import { startHarness, type Harness } from './harness';

let h: Harness;
let proxied: Harness;

beforeAll(async () => {
  h = await startHarness({ rateLimitPerMinute: 3 });
  proxied = await startHarness({ rateLimitPerMinute: 3, trustProxy: true });
});
afterAll(async () => {
  await proxied.stop();
  await h.stop();
});

const checkoutFrom = (app: Harness['app'], forwardedFor?: string) => {
  const req = request(app).post('/checkout');
  if (forwardedFor) req.set('X-Forwarded-For', forwardedFor);
  return req.send(buildCheckoutRequest());
};

describe('POST /checkout — rate limit per client', () => {
  it('when a client exceeds the limit within the minute, then 429 RATE_LIMITED with Retry-After', async () => {
    for (let i = 0; i < 3; i++) {
      const ok = await checkoutFrom(h.app);
      expect(ok.status).toBe(202);
      expect(ok.headers['ratelimit-policy']).toBeDefined();
    }
    const res = await checkoutFrom(h.app);
    expect(res.status).toBe(429);
    expect(res.body).toEqual({ error: 'RATE_LIMITED', message: expect.any(String), details: [] });
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
    expect(Number(res.headers['retry-after'])).toBeLessThanOrEqual(60);
    expect(await h.redis.keys(`${h.prefix}:ratelimit:*`)).not.toHaveLength(0);
  });

  it('when TRUST_PROXY is off, then X-Forwarded-For does not buy a fresh allowance', async () => {
    // One socket address: its allowance (used up by the previous test, if it ran) is spent here.
    for (let i = 0; i < 3; i++) await checkoutFrom(h.app);
    expect((await checkoutFrom(h.app)).status).toBe(429);
    expect((await checkoutFrom(h.app, '203.0.113.7')).status).toBe(429);
  });

  it('when TRUST_PROXY is on, then the client is the forwarded address and another client is unaffected', async () => {
    for (let i = 0; i < 3; i++) expect((await checkoutFrom(proxied.app, '198.51.100.1')).status).toBe(202);
    expect((await checkoutFrom(proxied.app, '198.51.100.1')).status).toBe(429);
    expect((await checkoutFrom(proxied.app, '198.51.100.2')).status).toBe(202);
  });

  it('when the limit applies, then other routes are not counted', async () => {
    for (let i = 0; i < 5; i++) expect((await request(h.app).get('/orders/ord_unknown')).status).toBe(404);
  });

  it('when the limiter is built before its Redis connection is up, then the limit counts from the first request', async () => {
    // As in a starting service: the app (and the limiter's script load) comes before Redis connects.
    const late = new Redis({ ...h.redis.options, lazyConnect: true, enableOfflineQueue: false });
    const app = createApp({ ...h.deps, rateLimit: { redis: late, perMinute: 3, prefix: `${h.prefix}:late` } });
    // As the runtime connects: the script load has already set a lazy client connecting.
    await connectRedis(late);
    try {
      const statuses = [];
      for (let i = 0; i < 4; i++) statuses.push((await checkoutFrom(app)).status);
      expect(statuses).toEqual([202, 202, 202, 429]);
    } finally {
      late.disconnect();
    }
  });

  it('when the Redis of the limiter is down, then 503 DEPENDENCY_UNAVAILABLE before validation is asked or anything is written', async () => {
    const dead = new Redis('redis://127.0.0.1:1', {
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      // One refused connect, then 'end', with nothing left to close: disconnect() on a socket that
      // already closed arms ioredis' disconnectTimeout (2 s, ref'd), which kept the worker alive.
      retryStrategy: () => null,
    });
    dead.on('error', () => undefined);
    const app = createApp({ ...h.deps, rateLimit: { redis: dead, perMinute: 3, prefix: h.prefix } });
    const validated = h.fake.calls();
    const added = await h.outboxAdded();
    const res = await checkoutFrom(app);
    expect(res.status).toBe(503);
    expect(res.body).toMatchObject({ error: 'DEPENDENCY_UNAVAILABLE' });
    expect(h.fake.calls()).toBe(validated);
    expect(await h.outboxAdded()).toBe(added);
  });
});
