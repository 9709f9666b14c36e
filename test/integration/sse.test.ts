import http from 'node:http';
import { systemUrls } from '../support/http';
import { checkoutBody, placeOrder } from '../support/saga';

/** Reads an SSE stream until the server closes it; returns its content type and the `status` events' data. */
function readStatusStream(url: string): Promise<{ contentType: string | undefined; events: { status: string }[] }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { headers: { accept: 'text/event-stream' } }, (res) => {
        if (res.statusCode !== 200) return reject(new Error(`SSE answered ${res.statusCode}`));
        let raw = '';
        res.on('data', (c) => (raw += c));
        res.on('end', () => {
          const events = raw
            .split('\n\n')
            .filter((block) => block.includes('event: status'))
            .map((block) =>
              JSON.parse(
                block
                  .split('\n')
                  .find((l) => l.startsWith('data:'))!
                  .slice(5),
              ),
            );
          resolve({ contentType: res.headers['content-type'], events });
        });
      })
      .on('error', reject);
  });
}

describe('GET /orders/:id/events', () => {
  it('when an order goes through the saga, then the stream shows every change from PENDING, moving forward only, without repeats, and ends on the terminal one', async () => {
    const { data } = await placeOrder(await checkoutBody([['sku-008', 1]]));
    const { contentType, events } = await readStatusStream(
      `${systemUrls()['checkout-service']}/orders/${data.orderId}/events`,
    );
    expect(contentType).toContain('text/event-stream');
    const statuses = events.map((e) => e.status);
    // Changes made before the stream opened come first. STOCK_RESERVED is not always among them:
    // a payment.authorized that overtakes stock.reserved (topics are not ordered) confirms at once.
    expect(statuses[0]).toBe('PENDING');
    expect(statuses.at(-1)).toBe('CONFIRMED');
    const rank = { PENDING: 0, STOCK_RESERVED: 1, CONFIRMED: 2, FAILED: 2 } as Record<string, number>;
    expect(statuses.map((s) => rank[s])).toEqual([...statuses.map((s) => rank[s])].sort());
    expect(new Set(statuses).size).toBe(statuses.length);
  });
});
