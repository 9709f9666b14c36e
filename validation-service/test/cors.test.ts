import request from 'supertest';
import { Runtime, baseConfigSchema, loadConfigFrom } from '@checkout/chassis';
import { createApp } from '../src/app';
import type { StockClient } from '../src/clients/stock-client';
import { loadConfig } from '../src/config';
import { loadCatalog } from '../src/domain/catalog';

// A shop's page that places orders through checkout also shows the catalog: CORS_ORIGINS is a
// chassis setting, answered by the services that opt in (RuntimeOptions.cors) and no other.
const SHOP = 'https://shop.example.com';

const appWith = (env: NodeJS.ProcessEnv) => {
  // As main.ts builds it.
  const runtime = new Runtime({
    service: 'validation-service',
    config: loadConfig({ LOG_LEVEL: 'silent', ...env }),
    cors: true,
  });
  const stock: StockClient = { levels: async () => new Map() };
  return createApp({ ...runtime.http, catalog: loadCatalog(), stock });
};

describe('CORS on the catalog (validation-service)', () => {
  it('when CORS_ORIGINS names the shop, then its page may read GET /products; another origin may not', async () => {
    const app = appWith({ CORS_ORIGINS: SHOP });
    const res = await request(app).get('/products').set('origin', SHOP);
    expect([res.status, res.headers['access-control-allow-origin']]).toEqual([200, SHOP]);
    const other = await request(app).get('/products').set('origin', 'https://evil.example.com');
    expect(other.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('when CORS_ORIGINS is unset, then no CORS header is sent', async () => {
    const res = await request(appWith({})).get('/products').set('origin', SHOP);
    expect([res.status, res.headers['access-control-allow-origin']]).toEqual([200, undefined]);
  });

  it('when a service does not opt in (audit, notifications: customer data), then the shared setting gives it no CORS', () => {
    const config = loadConfigFrom(baseConfigSchema, { PORT: '1', LOG_LEVEL: 'silent', CORS_ORIGINS: SHOP });
    expect(new Runtime({ service: 'audit-like', config }).corsOrigins).toEqual([]);
    expect(new Runtime({ service: 'catalog-like', config, cors: true }).corsOrigins).toEqual([SHOP]);
  });

  it('when CORS_ORIGINS is not a list of origins, then start-up fails naming it', () => {
    expect(() => loadConfig({ CORS_ORIGINS: 'shop.example.com' })).toThrow(/CORS_ORIGINS/);
  });
});
