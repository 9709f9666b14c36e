import fs from 'node:fs';
import path from 'node:path';
import request from 'supertest';
import { startHarness, type Harness } from './harness';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.stop());

describe('GET /docs', () => {
  it("when the OpenAPI document is asked for, then it is the committed docs/architecture/openapi.json, checkout's own operations on the page's host", async () => {
    const res = await request(h.app).get('/docs/openapi.json');
    expect(res.status).toBe(200);
    expect(res.body.openapi).toBe('3.1.0');
    const committed = JSON.parse(
      fs.readFileSync(path.resolve(__dirname, '../../docs/architecture/openapi.json'), 'utf8'),
    ) as { paths: Record<string, Record<string, { servers: { url: string }[] }>> };
    // Swagger UI's "Try it out" may call only the origin it was loaded from.
    expect(res.body.paths['/checkout'].post.servers).toEqual([
      { url: '/', description: 'checkout-service (this one)' },
    ]);
    expect(res.body.paths['/orders/{orderId}'].get.servers[0].url).toBe('/');
    expect(res.body.paths['/products'].get.servers).toEqual(committed.paths['/products']!.get!.servers);
    const withoutServers = (doc: { paths: Record<string, Record<string, object>> }) =>
      Object.values(doc.paths).flatMap((methods) =>
        Object.values(methods).map((op) => ({ ...op, servers: undefined })),
      );
    expect(withoutServers(res.body)).toEqual(withoutServers(committed));
    expect({ ...res.body, paths: undefined }).toEqual({ ...committed, paths: undefined });
  });

  it('when a browser opens /docs/, then Swagger UI loads its page and assets', async () => {
    const page = await request(h.app).get('/docs/');
    expect(page.status).toBe(200);
    expect(page.type).toBe('text/html');
    expect(page.text).toContain('swagger-ui');
    const init = await request(h.app).get('/docs/swagger-ui-init.js');
    expect(init.status).toBe(200);
    expect(init.text).toContain('/checkout');
  });

  it('when /docs is opened without the slash, then it redirects to /docs/', async () => {
    const res = await request(h.app).get('/docs');
    expect([301, 302, 308]).toContain(res.status);
    expect(res.headers.location).toBe('/docs/');
  });
});
