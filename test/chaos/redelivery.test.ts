import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { EVENT_TYPES, createEvent, type CloudEvent } from '@checkout/contracts';
import { useChaosSystem, waitForConsumersIdle } from '../support/chaos';
import { api } from '../support/http';
import { assertInvariants, levels, sentMoreThanOnce } from '../support/invariants';
import { testPublisher, type RecordedMessage } from '../support/kafka';
import { auditOf, chargesFor, checkoutBody, notificationsOf, placeOrder, setStock } from '../support/saga';
import { waitFor } from '../support/wait';

const system = useChaosSystem();

/** Every event type that belongs to one order (stock.updated is keyed by product). */
const SAGA_TOPICS = new Set<string>(EVENT_TYPES.filter((t) => t !== 'stock.updated'));

/** Everything an order left behind, as each owner shows it. */
async function stateOf(orderId: string) {
  const [order, payment, reservation, charges, audit, notifications] = await Promise.all([
    api('checkout-service')
      .get(`/orders/${orderId}`)
      .then((r) => r.data),
    api('payment-service')
      .get(`/payments/${orderId}`)
      .then((r) => r.data),
    api('inventory-service')
      .get(`/reservations/${orderId}`)
      .then((r) => r.data),
    chargesFor(orderId),
    auditOf(orderId),
    notificationsOf(orderId),
  ]);
  return { order, payment, reservation, charges, audit: audit.map((e) => e.id), notifications };
}

const orderIdOf = (m: RecordedMessage) => (m.event?.data as { orderId?: string } | undefined)?.orderId;

describe('redelivered and reordered events', () => {
  it('when every saga event of finished orders is delivered again with its ce_id, and late events arrive after the end, then nothing changes', async () => {
    const { system: s, recorder } = system();
    await setStock('sku-012', 1000);
    const initial = await levels();
    const started = Date.now();
    const orderIds = await Promise.all(
      Array.from({ length: 12 }, async (_, i) => {
        const body = await checkoutBody(
          [['sku-012', 1 + (i % 3)]],
          i % 4 === 3 ? 'tok_insufficient_funds' : 'tok_visa',
        );
        return (await placeOrder(body)).data.orderId as string;
      }),
    );
    await assertInvariants({ initial, orderIds, recorded: recorder.messages, exactStock: true });
    await waitForConsumersIdle(s.infra.kafkaBrokers);
    const before = await Promise.all(orderIds.map(stateOf));
    const levelsBefore = await levels();
    const mine = new Set(orderIds);
    const originals = new Map<string, RecordedMessage>();
    for (const m of recorder.messages)
      if (SAGA_TOPICS.has(m.topic) && mine.has(orderIdOf(m) ?? '')) originals.set(m.headers.ce_id!, m);
    const countBefore = recorder.messages.filter((m) => mine.has(orderIdOf(m) ?? '')).length;

    const publisher = await testPublisher(s.infra.kafkaBrokers);
    for (const m of originals.values()) await publisher.publishRaw(m.topic, m.value, m.headers, m.key);
    // Late events with new ids, after the order ended: a terminal status never moves.
    const late: CloudEvent[] = [];
    for (const b of before) {
      const orderId = b.order.orderId as string;
      if (b.order.status === 'CONFIRMED') {
        late.push(
          await publisher.publish('payment.failed', { orderId, code: 'GATEWAY_ERROR', reason: 'late', attempts: 6 }),
        );
        late.push(
          await publisher.publish('stock.failed', {
            orderId,
            code: 'INSUFFICIENT_STOCK',
            reason: 'late',
            shortages: [],
          }),
        );
      } else {
        late.push(
          await publisher.publish('payment.authorized', {
            orderId,
            paymentId: 'ch_late',
            amount: 1,
            currency: 'USD',
            attempts: 1,
          }),
        );
        late.push(
          await publisher.publish('stock.reserved', {
            orderId,
            items: [{ productId: 'sku-012', quantity: 1 }],
            levels: [],
            expiresAt: new Date(Date.now() + 60_000).toISOString(),
          }),
        );
      }
    }
    await publisher.stop();
    const published = originals.size + late.length;
    await waitFor(
      () => recorder.messages.filter((m) => mine.has(orderIdOf(m) ?? '')).length >= countBefore + published,
    );
    await waitForConsumersIdle(s.infra.kafkaBrokers);
    const lateIds = new Set(late.map((e) => e.id));
    // Audit records the late events (they are new), once each; everything else is as it was.
    const after = await Promise.all(orderIds.map(stateOf));
    for (const [i, a] of after.entries()) {
      const lateHere = a.audit.filter((id) => lateIds.has(id));
      expect(lateHere).toHaveLength(2);
      expect({ ...a, audit: a.audit.filter((id) => !lateIds.has(id)) }).toEqual(before[i]);
    }
    expect(await levels()).toEqual(levelsBefore);
    // The notification list keeps one entry per (order, template) however often the channel sent it.
    expect(sentMoreThanOnce(orderIds)).toEqual([]);
    // Nothing new was emitted for these orders: only what the test itself published.
    await waitForConsumersIdle(s.infra.kafkaBrokers);
    expect(recorder.messages.filter((m) => mine.has(orderIdOf(m) ?? '')).length).toBe(countBefore + published);
    console.log(
      `redelivery: ${orderIds.length} finished orders (${before.filter((b) => b.order.status === 'CONFIRMED').length} CONFIRMED); ` +
        `${originals.size} events redelivered with their ce_id + ${late.length} late events; state of ${after.length} orders unchanged; ${Date.now() - started} ms`,
    );
  });

  it('when the events of a made-up order arrive in any order (and twice), then the outcome equals the canonical order', async () => {
    const { system: s } = system();
    // The made-up order is real to inventory and payment-service: inventory reserves it and emits
    // its own stock.reserved, payment-service charges once it holds that and the order, and its
    // payment.authorized commits the reservation. The crafted events around them (a payment.authorized
    // that may reach inventory before the reservation exists, an order.confirmed no checkout sent,
    // duplicates with their ce_id) must not change that outcome, in whatever order they arrive. (No
    // crafted stock.reserved: inventory's own answer for the order would contradict it.)
    const PRODUCT = 'sku-014';
    await setStock(PRODUCT, 1000);
    const price = 2999;
    const publisher = await testPublisher(s.infra.kafkaBrokers);
    const started = Date.now();

    const eventsFor = (orderId: string): CloudEvent[] => {
      const created = createEvent(
        'order.created',
        {
          orderId,
          customer: { id: `cust-${orderId}`, name: 'Grace Hopper', email: 'grace@example.com' },
          items: [{ productId: PRODUCT, quantity: 1, unitPrice: price }],
          subtotal: price,
          discount: 0,
          total: price,
          currency: 'USD',
          promoCodes: [],
          payment: { token: 'tok_visa' },
        },
        { source: '/checkout-service', correlationId: orderId },
      );
      const authorized = createEvent(
        'payment.authorized',
        { orderId, paymentId: `ch_crafted_${orderId}`, amount: price, currency: 'USD', attempts: 1 },
        { source: '/payment-service', correlationId: orderId },
      );
      const confirmed = createEvent(
        'order.confirmed',
        { orderId, paymentId: `ch_crafted_${orderId}`, total: price, currency: 'USD' },
        { source: '/checkout-service', correlationId: orderId },
      );
      return [created, authorized, confirmed, created, authorized, confirmed];
    };

    /** Publishes in the given order, waits for the saga to settle, and reduces what it left to what must not depend on order. */
    const outcome = async (orderId: string, events: CloudEvent[]) => {
      for (const e of events)
        await publisher.publish(e.type, e.data as never, { id: e.id, source: e.source, correlationId: orderId });
      const settled = await waitFor(
        async () => {
          const st = await stateOf(orderId);
          return st.payment?.status === 'AUTHORIZED' &&
            st.reservation?.status === 'COMMITTED' &&
            st.audit.length >= 5 &&
            st.notifications.length >= 2
            ? st
            : undefined;
        },
        { what: `made-up order ${orderId} to settle` },
      ).catch(async (err: Error) => {
        throw new Error(`${err.message}: ${JSON.stringify(await stateOf(orderId))}`);
      });
      const audit = await auditOf(orderId);
      return {
        checkout: settled.order?.status ?? 'unknown to checkout',
        payment: { status: settled.payment.status, amount: settled.payment.amount, attempts: settled.payment.attempts },
        reservation: { status: settled.reservation.status, items: settled.reservation.items },
        authorizedCharges: settled.charges.filter((c) => c.status === 'authorized').length,
        auditTypes: audit.map((e) => e.type).sort(),
        auditUnique: new Set(audit.map((e) => e.id)).size === audit.length,
        notifications: settled.notifications.map((n) => n.template).sort(),
      };
    };

    const canonicalId = `ord_canon-${randomUUID()}`;
    const canonical = await outcome(canonicalId, eventsFor(canonicalId));
    expect(canonical).toMatchObject({
      payment: { status: 'AUTHORIZED', amount: price, attempts: 1 },
      reservation: { status: 'COMMITTED' },
      authorizedCharges: 1,
      auditUnique: true,
      notifications: ['order-confirmed', 'order-received'],
    });

    let runs = 0;
    const orders = [canonicalId];
    await fc.assert(
      fc.asyncProperty(fc.shuffledSubarray([0, 1, 2, 3, 4, 5], { minLength: 6, maxLength: 6 }), async (order) => {
        runs++;
        const orderId = `ord_fc-${randomUUID()}`;
        orders.push(orderId);
        const events = eventsFor(orderId);
        expect(
          await outcome(
            orderId,
            order.map((i) => events[i]!),
          ),
        ).toEqual(canonical);
      }),
      { numRuns: 20 },
    );
    await publisher.stop();
    // Late duplicates of any of them change nothing once every group caught up.
    await waitForConsumersIdle(s.infra.kafkaBrokers);
    for (const id of orders) expect((await chargesFor(id)).filter((c) => c.status === 'authorized')).toHaveLength(1);
    console.log(
      `reordering: canonical + ${runs} fast-check permutations of 6 events (order.created, a crafted payment.authorized, order.confirmed, each twice) for made-up orders; ` +
        `outcome ${JSON.stringify(canonical)}; ${Date.now() - started} ms`,
    );
  });
});
