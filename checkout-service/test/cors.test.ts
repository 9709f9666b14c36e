import request from 'supertest';
import { buildCheckoutRequest } from '@checkout/contracts';
import { loadConfig } from '../src/config';
import { startHarness, type Harness } from './harness';

// A shop's page on another origin calling the API straight from the browser: the browser asks
// first (preflight), then reads only what the answer allows.
const SHOP = 'https://shop.example.com';

/** The browser's question before a POST from the shop's page that sends these headers. */
const preflight = (app: Parameters<typeof request>[0], headers: string) =>
  request(app)
    .options('/checkout')
    .set('origin', SHOP)
    .set('access-control-request-method', 'POST')
    .set('access-control-request-headers', headers);

let h: Harness;
beforeAll(async () => (h = await startHarness()));
afterAll(() => h.stop());

describe('CORS — browser pages of the origins in CORS_ORIGINS', () => {
  it('when CORS_ORIGINS is unset, then no origin is allowed: a page elsewhere cannot read any answer', async () => {
    expect(loadConfig({}).CORS_ORIGINS).toEqual([]);
    const res = await request(h.app).post('/checkout').set('origin', SHOP).send(buildCheckoutRequest());
    expect(res.status).toBe(202);
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('when the shop is allowed, then its preflight for a POST with an Idempotency-Key is granted', async () => {
    const app = h.appWith({
      corsOrigins: loadConfig({ CORS_ORIGINS: ` ${SHOP}, https://admin.example.com ` }).CORS_ORIGINS,
    });
    const res = await preflight(app, 'content-type,idempotency-key,x-correlation-id');
    expect(res.status).toBe(204);
    expect(res.headers['access-control-allow-origin']).toBe(SHOP);
    expect(String(res.headers['access-control-allow-methods']).split(',')).toEqual(['GET', 'POST']);
    expect(String(res.headers['access-control-allow-headers']).split(',').sort()).toEqual([
      'baggage',
      'content-type',
      'idempotency-key',
      'last-event-id',
      'traceparent',
      'tracestate',
      'x-correlation-id',
    ]);
  });

  // OpenTelemetry's and Sentry's browser SDKs add their headers to every fetch: a preflight that
  // refused them failed every checkout as a network error (a UI probe).
  it('when the page sends a vendor tracing header named in CORS_ALLOW_HEADERS, then its preflight is granted too', async () => {
    const config = loadConfig({ CORS_ORIGINS: SHOP, CORS_ALLOW_HEADERS: ' Sentry-Trace ,x-shop-session' });
    expect(config.CORS_ALLOW_HEADERS).toEqual(['sentry-trace', 'x-shop-session']);
    const app = h.appWith({ corsOrigins: config.CORS_ORIGINS, corsAllowHeaders: config.CORS_ALLOW_HEADERS });
    const res = await preflight(app, 'content-type,idempotency-key,sentry-trace,baggage');
    expect(res.status).toBe(204);
    expect(String(res.headers['access-control-allow-headers']).split(',')).toEqual(
      expect.arrayContaining(['sentry-trace', 'x-shop-session', 'baggage', 'tracestate']),
    );
    expect(() => loadConfig({ CORS_ALLOW_HEADERS: 'sentry trace' })).toThrow(/CORS_ALLOW_HEADERS/);
    expect(() => loadConfig({ CORS_ALLOW_HEADERS: '*' })).toThrow(/CORS_ALLOW_HEADERS/);
  });

  it('when the shop is allowed, then its page reads the order id, its Location and the correlation id', async () => {
    const app = h.appWith({ corsOrigins: [SHOP] });
    const res = await request(app).post('/checkout').set('origin', SHOP).send(buildCheckoutRequest());
    expect(res.status).toBe(202);
    expect(res.headers['access-control-allow-origin']).toBe(SHOP);
    const exposed = String(res.headers['access-control-expose-headers']).split(',').sort();
    expect(exposed).toEqual(['idempotent-replayed', 'location', 'retry-after', 'x-correlation-id']);
    expect(res.headers.location).toBe(`/orders/${res.body.orderId}`);
  });

  it('when another origin asks, then it is not allowed', async () => {
    const app = h.appWith({ corsOrigins: [SHOP] });
    const res = await request(app)
      .options('/checkout')
      .set('origin', 'https://evil.example.net')
      .set('access-control-request-method', 'POST');
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('when CORS_ORIGINS is not a list of origins, then start-up fails naming it', () => {
    // Also what a browser never sends as Origin: upper case, a default port, a wildcard.
    for (const bad of [
      'shop.example.com',
      'https://shop.example.com/path',
      'https://Shop.Example.com',
      'https://shop.example.com:443',
      'http://*.example.com',
    ])
      expect(() => loadConfig({ CORS_ORIGINS: bad })).toThrow(/CORS_ORIGINS/);
    expect(loadConfig({ CORS_ORIGINS: '*' }).CORS_ORIGINS).toEqual(['*']);
  });
});
