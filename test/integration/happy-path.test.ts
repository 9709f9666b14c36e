import { recordTopics } from '../support';
import { api } from '../support/http';
import {
  auditOf,
  chargesFor,
  checkoutBody,
  count,
  notificationsOf,
  placeOrder,
  stockOf,
  waitForTerminal,
} from '../support/saga';
import { waitFor } from '../support/wait';

describe('a paid order (tok_visa)', () => {
  it('when the cart is valid, then the order is CONFIRMED, stock sold, charged once, audited and notified', async () => {
    const before = await stockOf('sku-003');
    const recorder = await recordTopics(['order.created']);
    const started = Date.now();
    const res = await placeOrder(await checkoutBody([['sku-003', 2]]), { 'x-correlation-id': 'it-happy-path' });
    const accepted = Date.now();
    expect(res.data).toMatchObject({ status: 'PENDING', currency: 'USD' });
    expect(res.headers.location).toBe(`/orders/${res.data.orderId}`);
    const { orderId } = res.data;

    const created = await recorder.waitForEvent('order.created', (e) => e.data.orderId === orderId);
    expect(created.correlationId).toBe('it-happy-path');
    await recorder.stop();

    const order = await waitForTerminal(orderId);
    const confirmedAfterMs = Date.now() - started;
    expect(order.status).toBe('CONFIRMED');
    expect(order.paymentId).toMatch(/^ch_/);
    // No ordering across topics: payment.authorized may overtake stock.reserved at checkout.
    const statuses = order.history.map((h) => h.status);
    expect(statuses[0]).toBe('PENDING');
    expect(statuses.at(-1)).toBe('CONFIRMED');
    console.log(`happy path: 202 after ${accepted - started} ms, CONFIRMED seen after ${confirmedAfterMs} ms (polled)`);

    const after = await waitFor(async () => {
      const s = await stockOf('sku-003');
      return s.sold === before.sold + 2 ? s : undefined;
    });
    expect(after.available).toBe(before.available - 2);
    expect(after.reserved).toBe(before.reserved);
    // The read model holds the level, version included, that inventory shows.
    const cached = await waitFor(async () => {
      const c = (await api('inventory-cache-service').get('/stock/sku-003')).data;
      return c.version === after.version ? c : undefined;
    });
    expect(cached).toEqual({ productId: 'sku-003', available: after.available, version: after.version });

    const charges = await chargesFor(orderId);
    expect(charges).toEqual([expect.objectContaining({ status: 'authorized', amount: order.total })]);

    const events = await waitFor(async () => {
      const e = await auditOf(orderId);
      return e.length >= 4 && e.some((x) => x.type === 'order.confirmed') ? e : undefined;
    });
    // In the order they happened, however the topics delivered them to the audit log.
    expect(events.map((e) => e.type)).toEqual([
      'order.created',
      'stock.reserved',
      'payment.authorized',
      'order.confirmed',
    ]);
    expect(new Set(events.map((e) => e.id)).size).toBe(events.length);

    const notes = await waitFor(async () => {
      const n = await notificationsOf(orderId);
      return n.length >= 2 ? n : undefined;
    });
    expect(count(notes, (n) => n.template === 'order-received')).toBe(1);
    expect(count(notes, (n) => n.template === 'order-confirmed')).toBe(1);
    expect(notes[0]!.to).toBe('ada@example.com');
  });
});
