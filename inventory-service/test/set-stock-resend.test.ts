import { connectRedis, createLogger, createRedis, Health } from '@checkout/chassis';
import request from 'supertest';
import { useRedisThroughProxy, waitFor } from '../../test/support';
import { createApp } from '../src/app';
import { StockStore } from '../src/store/stock-store';
import { ADMIN_TOKEN, startInventory, type Harness } from './harness';

// ioredis re-sends a script whose answer a dropped connection lost, once it has reconnected. The
// re-sent SET_STOCK then finds the version its own first run moved: that is this request's write,
// not a concurrent change, so the operator gets 200 with the item rather than 412.
let inv: Harness;
const through = useRedisThroughProxy('inventory-resend');

beforeAll(async () => {
  inv = await startInventory();
});
afterAll(async () => {
  await inv.stop();
});

describe("PUT /inventory/:productId with If-Match — the write's answer lost on a dropped connection", () => {
  it('when the SET_STOCK answer is lost and ioredis re-sends it, then 200 with the item, written once', async () => {
    const stock = new StockStore(through.redis, inv.outbox, inv.prefix);
    const app = createApp({ ...inv, health: new Health(), stock, adminToken: ADMIN_TOKEN });
    const id = await inv.product(10);
    const read = await request(app).get(`/inventory/${id}`);

    const dropped = through.proxy.dropNextReply(); // the next reply on the proxied connection is the script's
    const res = await request(app)
      .put(`/inventory/${id}`)
      .set('Authorization', `Bearer ${ADMIN_TOKEN}`)
      .set('If-Match', read.headers.etag!)
      .send({ available: 15 });

    expect(dropped()).toBe(true);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ productId: id, available: 15, reserved: 0, sold: 0, version: read.body.version + 1 });
    expect(await inv.stock.get(id)).toEqual(res.body);
  });
});

describe('PUT /inventory/:productId — Redis stalled while the level was set', () => {
  it('when the write runs only after the request gave up (503), then it sets nothing: the level and its version stay as they were', async () => {
    // The client of a stalled server: the write times out after 1.5 s, with a 1 s window (the writes
    // before and after the stall must run within it, on a busy machine too).
    const stalled = createRedis(through.proxy.url, createLogger('test', 'silent'), 'stalled', { commandTimeout: 1500 });
    await connectRedis(stalled);
    const stock = new StockStore(stalled, inv.outbox, inv.prefix, 1000);
    const app = createApp({ ...inv, health: new Health(), stock, adminToken: ADMIN_TOKEN });
    const id = await inv.product(10);
    const put = (available: number) =>
      request(app).put(`/inventory/${id}`).set('Authorization', `Bearer ${ADMIN_TOKEN}`).send({ available });
    // Redis knows the script first: a late EVALSHA of one it did not know would only answer NOSCRIPT.
    expect((await put(10)).status).toBe(200);
    const before = await inv.stock.get(id);
    try {
      through.proxy.stall(3000);
      expect((await put(77)).status).toBe(503);
      // The server resumes and runs what was queued, the write first: a PING behind it answers after it ran.
      await waitFor(() => stalled.ping().then(() => true), {
        timeoutMs: 5000,
        what: 'the stalled connection to resume',
      });
      expect(await inv.stock.get(id)).toEqual(before);
    } finally {
      stalled.disconnect();
    }
  });
});
