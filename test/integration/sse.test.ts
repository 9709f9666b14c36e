import http from 'node:http';
import { systemUrls } from '../support/http';
import { checkoutBody, placeOrder } from '../support/saga';

/** Reads an SSE stream until the server closes it; returns the `status` events' data. */
function readStatusStream(url: string): Promise<{ status: string }[]> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { headers: { accept: 'text/event-stream' } }, (res) => {
        if (res.statusCode !== 200) return reject(new Error(`SSE answered ${res.statusCode}`));
        expect(res.headers['content-type']).toContain('text/event-stream');
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
          resolve(events);
        });
      })
      .on('error', reject);
  });
}

describe('GET /orders/:id/events', () => {
  it('when an order goes through the saga, then the stream delivers each status and ends on the terminal one', async () => {
    const { data } = await placeOrder(await checkoutBody([['sku-008', 1]]));
    const events = await readStatusStream(`${systemUrls()['checkout-service']}/orders/${data.orderId}/events`);
    const statuses = events.map((e) => e.status);
    expect(statuses.at(-1)).toBe('CONFIRMED');
    // The stream may open after PENDING already moved on; what it shows only moves forward.
    const rank = { PENDING: 0, STOCK_RESERVED: 1, CONFIRMED: 2, FAILED: 2 } as Record<string, number>;
    expect(statuses.map((s) => rank[s])).toEqual([...statuses.map((s) => rank[s])].sort());
    expect(new Set(statuses).size).toBe(statuses.length);
  });
});
