import fs from 'node:fs';
import path from 'node:path';
import type { OrderView } from '@checkout/contracts';
import { adminHeaders, api } from './http';
import type { RecordedMessage } from './kafka';
import { auditEvents, auditOf, chargesFor, notificationsOf, waitForTerminal } from './saga';
import { waitFor } from './wait';

export interface Level {
  productId: string;
  available: number;
  reserved: number;
  sold: number;
  version: number;
}

/** Every product's level at inventory-service (the source of truth). */
export async function levels(): Promise<Record<string, Level>> {
  const res = await api('inventory-service').get('/inventory');
  if (res.status !== 200) throw new Error(`GET /inventory answered ${res.status}`);
  return Object.fromEntries((res.data.items as Level[]).map((l) => [l.productId, l]));
}

/**
 * Polls every level while a run goes on: a negative `available` or a product whose
 * available + reserved + sold drifts from its initial total is caught when it happens, not after.
 */
export function pollLevels(initial: Record<string, Level>, intervalMs = 20) {
  let polls = 0;
  let running = true;
  const violations: string[] = [];
  const minAvailable: Record<string, number> = {};
  const loop = (async () => {
    while (running) {
      try {
        for (const l of Object.values(await levels())) {
          const first = initial[l.productId];
          if (!first) continue;
          minAvailable[l.productId] = Math.min(minAvailable[l.productId] ?? Infinity, l.available);
          if (l.available < 0) violations.push(`${l.productId} available ${l.available} < 0`);
          const total = first.available + first.reserved + first.sold;
          if (l.available + l.reserved + l.sold !== total)
            violations.push(`${l.productId} total ${l.available + l.reserved + l.sold} != ${total}`);
        }
        polls++;
      } catch {
        // inventory-service may be down on purpose; the next poll tries again
      }
      await new Promise((r) => setTimeout(r, intervalMs));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return { polls, minAvailable, violations };
    },
  };
}

export interface InvariantOptions {
  /** Levels after the test seeded stock and before its first order. */
  initial: Record<string, Level>;
  /** Orders that got 202 from checkout. */
  orderIds: string[];
  /** What the test saw on Kafka from the start (recordTopics): each event of an order must be audited once. */
  recorded: RecordedMessage[];
  /**
   * Every order that touched stock is in `orderIds` (no 202 lost to a crash, no made-up orders):
   * then sold grows by exactly the confirmed quantities and nothing stays reserved.
   */
  exactStock?: boolean;
  /** Every order that ever reserved stock ends (default): nothing stays reserved beyond the initial. */
  settles?: boolean;
  /** The whole check's deadline (default 60 s): every order's end, its audit and notifications, the stock settling. */
  timeoutMs?: number;
  /**
   * The broker lost its log during the run (replaced empty). An event that some consumers had read
   * and others had not is gone for the others, and nothing announces again the events of an order
   * that had ended (order.confirmed, order.failed, stock.updated): the audit log, the notifications
   * and the test's own recorder may each miss some. Then 4 only checks that nothing was audited or
   * sent twice, and the report counts the orders whose audit or notifications are incomplete.
   */
  brokerLostLog?: boolean;
}

export interface InvariantReport {
  orders: number;
  confirmed: number;
  failed: number;
  failures: Record<string, number>;
  checks: number;
  /** With brokerLostLog: orders whose audit timeline or notifications miss their end. */
  incomplete?: number;
}

/** What a wait gets once the check's deadline has passed. */
const LAST_LOOK_MS = 1000;

async function inBatches<T>(items: T[], size: number, fn: (t: T) => Promise<void>) {
  for (let i = 0; i < items.length; i += size) await Promise.all(items.slice(i, i + size).map(fn));
}

/**
 * The four invariants of ARCHITECTURE.md over a set of accepted orders:
 * 1. no oversell (available >= 0, available + reserved + sold = initial, per product);
 * 2. at most one authorized charge per order, exactly one for a CONFIRMED order (the one it names),
 *    none for a FAILED one;
 * 3. every accepted order terminal, out of checkout's open-orders index, and a FAILED order holds
 *    no stock (reservation FAILED/RELEASED);
 * 4. every event of an order recorded on Kafka is in the audit log exactly once, and so is every
 *    stock.updated of the products in `initial`; every notification (order-received, then
 *    order-confirmed or order-failed) is sent once.
 * Collects every violation and fails with the whole list.
 */
export async function assertInvariants(opts: InvariantOptions): Promise<InvariantReport> {
  // One deadline for the whole check, not one per wait: the waits run one after another (and per
  // batch of orders), so a timeout each let a slow run reach jest's timeout, which reports nothing.
  // Past the deadline each wait still gets a short look, long enough for an audit or a
  // notification that trails its order's end by a moment; then the list of violations is reported.
  const deadline = Date.now() + (opts.timeoutMs ?? 60_000);
  const left = (atMost = Infinity) => Math.min(atMost, Math.max(deadline - Date.now(), LAST_LOOK_MS));
  const violations: string[] = [];
  let checks = 0;
  let incomplete = 0;
  const check = (ok: boolean, what: string) => {
    checks++;
    if (!ok) violations.push(what);
  };
  const orders = new Map<string, OrderView>();
  const ids = [...new Set(opts.orderIds)];

  await inBatches(ids, 25, async (id) => {
    try {
      orders.set(id, await waitForTerminal(id, left()));
      check(true, '');
    } catch {
      check(false, `order ${id} not terminal`);
    }
  });

  // Read afresh on every look: the recorder keeps appending while the last events are relayed.
  const seenFor = (orderId: string) => {
    const ids = new Set<string>();
    for (const m of opts.recorded)
      if (m.event && (m.event.data as { orderId?: string }).orderId === orderId) ids.add(m.event.id);
    return ids;
  };

  await inBatches([...orders.values()], 20, async (order) => {
    const id = order.orderId;
    // 3. a FAILED order holds no stock; a CONFIRMED one sold what it reserved
    const want = order.status === 'CONFIRMED' ? ['COMMITTED'] : ['RELEASED', 'FAILED'];
    const reservation = await waitFor(
      async () => {
        const r = await api('inventory-service').get(`/reservations/${id}`);
        return r.status === 200 && want.includes(r.data.status) ? r.data : undefined;
      },
      { timeoutMs: left(), what: `reservation of ${order.status} order ${id} to be ${want.join('/')}` },
    ).catch(() => undefined);
    check(Boolean(reservation), `${order.status} order ${id}: reservation not ${want.join('/')}`);

    // 2. charges at the gateway
    const authorized = (await chargesFor(id)).filter((c) => c.status === 'authorized');
    check(authorized.length <= 1, `order ${id} charged ${authorized.length} times`);
    if (order.status === 'CONFIRMED')
      check(
        authorized.length === 1 && authorized[0]!.id === order.paymentId,
        `CONFIRMED order ${id}: charges ${JSON.stringify(authorized)} vs paymentId ${order.paymentId}`,
      );
    else check(authorized.length === 0, `FAILED order ${id} holds an authorized charge`);

    const terminal = order.status === 'CONFIRMED' ? 'order-confirmed' : 'order-failed';
    if (opts.brokerLostLog) {
      const ended = order.status === 'CONFIRMED' ? 'order.confirmed' : 'order.failed';
      // The audit may trail the order by a moment; one that lost the end with the log never gets it.
      const audited = await waitFor(
        async () => {
          const events = await auditOf(id);
          return events.some((e) => e.type === ended) ? events : undefined;
        },
        { timeoutMs: left(5000), what: `audit of ${id}` },
      ).catch(() => auditOf(id));
      const auditIds = audited.map((e) => e.id);
      const types = audited.map((e) => e.type);
      check(new Set(auditIds).size === auditIds.length, `order ${id}: audit repeats an event id`);
      check(new Set(types).size === types.length, `order ${id}: one business event emitted twice: ${types}`);
      // A notification sent twice shows in the log channel's lines (below), not in this list.
      const templates = (await notificationsOf(id)).map((n) => n.template);
      if (!types.includes(ended) || !templates.includes(terminal)) incomplete++;
      return;
    }

    // 4. audit: exactly the events seen on Kafka, each once
    const audit = await waitFor(
      async () => {
        const events = await auditOf(id);
        const auditIds = new Set(events.map((e) => e.id));
        const types = events.map((e) => e.type);
        const onKafka = seenFor(id);
        // Both ways: the recorder may trail the audit by a few milliseconds.
        const done =
          [...onKafka].every((e) => auditIds.has(e)) &&
          [...auditIds].every((e) => onKafka.has(e)) &&
          types.includes(order.status === 'CONFIRMED' ? 'order.confirmed' : 'order.failed');
        return done ? events : undefined;
      },
      { timeoutMs: left(), what: `audit of ${id} to hold the events seen on Kafka` },
    ).catch(() => undefined);
    if (!audit) {
      const got = await auditOf(id);
      const seen = seenFor(id);
      const missing = got
        .filter((e) => !seen.has(e.id))
        .map((e) => {
          const raw = opts.recorded.filter((m) => m.headers.ce_id === e.id);
          return `${e.type}:${e.id} (raw copies on Kafka: ${raw.map((m) => `${m.topic}/${m.partition}@${m.offset} ${m.value} ${JSON.stringify(m.headers)} decoded=${Boolean(m.event)}`).join(' ') || 'none'})`;
        });
      const unaudited = [...seen].filter((e) => !got.some((g) => g.id === e));
      check(
        false,
        `order ${id}: audit holds ${got.length} events; not seen on Kafka: ${missing.join(', ') || '-'}; not audited: ${unaudited.join(', ') || '-'}`,
      );
    } else {
      const auditIds = audit.map((e) => e.id);
      check(new Set(auditIds).size === auditIds.length, `order ${id}: audit repeats an event id`);
      check(
        auditIds.every((e) => seenFor(id).has(e)),
        `order ${id}: audit holds an event never seen on Kafka`,
      );
      const types = audit.map((e) => e.type);
      check(new Set(types).size === types.length, `order ${id}: one business event emitted twice: ${types}`);
    }

    // 4. notifications: once each
    const notes = await waitFor(
      async () => {
        const n = await notificationsOf(id);
        return n.some((x) => x.template === terminal) && n.some((x) => x.template === 'order-received') ? n : undefined;
      },
      { timeoutMs: left(), what: `notifications of ${id}` },
    ).catch(() => undefined);
    if (!notes) check(false, `order ${id}: notification ${terminal} or order-received missing`);
    else {
      const templates = notes.map((n) => n.template);
      check(new Set(templates).size === templates.length, `order ${id}: a notification sent twice: ${templates}`);
      check(
        templates.every((t) => t === 'order-received' || t === terminal),
        `order ${id}: unexpected notification ${templates}`,
      );
    }
  });

  // 4. notifications, as the channel sent them: GET /notifications lists one entry per (order,
  // template) however many times the channel was asked, so a second send shows only in the log
  // channel's lines (the systems run it; it writes one line per send).
  const logDir = process.env.SYSTEM_LOG_DIR;
  if (logDir) {
    const expected = [...orders.values()].flatMap((o) => [
      `${o.orderId} order-received`,
      `${o.orderId} ${o.status === 'CONFIRMED' ? 'order-confirmed' : 'order-failed'}`,
    ]);
    // pino writes asynchronously: the lines may land a moment after the list shows the notification.
    const sends = await waitFor(
      () => {
        const counted = channelSends(logDir);
        return expected.every((k) => counted.has(k)) ? counted : undefined;
      },
      { timeoutMs: left(10_000), what: 'every notification in the log channel' },
    ).catch(() => channelSends(logDir));
    for (const k of expected) {
      const times = sends.get(k) ?? 0;
      check(
        times === 1 || (opts.brokerLostLog === true && times === 0),
        `notification ${k} went through the channel ${times} times`,
      );
    }
  }

  // 4. audit of the events no order owns: every stock.updated seen on Kafka for these products
  // (the admin PUTs and the expiry of reservations emit them, keyed by product) once in the log.
  const products = new Set(Object.keys(opts.initial));
  const stockUpdates = () =>
    new Set(
      opts.recorded.flatMap((m) =>
        m.event?.type === 'stock.updated' && products.has((m.event.data as { productId: string }).productId)
          ? [m.event.id]
          : [],
      ),
    );
  const updatesAudited = await waitFor(
    async () => {
      const audited = (await auditEvents('stock.updated')).map((e) => e.id);
      return [...stockUpdates()].every((id) => audited.includes(id)) ? audited : undefined;
    },
    // With the broker's log lost, one that was in flight then never comes: waited for as briefly
    // as an order's end above, not the whole timeout (which took a run past jest's 180 s).
    { timeoutMs: left(opts.brokerLostLog ? 5000 : Infinity), what: 'every stock.updated seen on Kafka to be audited' },
  ).catch(() => auditEvents('stock.updated').then((events) => events.map((e) => e.id)));
  for (const id of stockUpdates()) {
    const times = updatesAudited.filter((a) => a === id).length;
    check(
      times === 1 || (opts.brokerLostLog === true && times === 0),
      `stock.updated ${id} is in the audit log ${times} times`,
    );
  }

  // 3. an ended order has left checkout's index of open orders (what operators list stuck orders from)
  const open = await api('checkout-service').get('/admin/orders/open', {
    params: { olderThanS: 0, limit: 1000 },
    headers: adminHeaders(),
  });
  check(open.status === 200, `GET /admin/orders/open answered ${open.status}`);
  const stillOpen = new Set(((open.data?.items ?? []) as { orderId: string }[]).map((o) => o.orderId));
  for (const o of orders.values())
    check(!stillOpen.has(o.orderId), `${o.status} order ${o.orderId} is still in checkout's open-orders index`);

  // 1. no oversell (after every reservation of these orders settled)
  const sold: Record<string, number> = {};
  for (const o of orders.values())
    if (o.status === 'CONFIRMED')
      for (const it of o.items as { productId: string; quantity: number }[])
        sold[it.productId] = (sold[it.productId] ?? 0) + it.quantity;
  const final = await waitFor(
    async () => {
      const now = await levels();
      const settled =
        opts.settles === false ||
        Object.keys(opts.initial).every((p) => now[p] && now[p].reserved === opts.initial[p]!.reserved);
      return settled ? now : undefined;
    },
    { timeoutMs: left(), what: 'reservations to settle' },
  ).catch(() => levels());
  for (const [p, first] of Object.entries(opts.initial)) {
    const now = final[p];
    if (!now) {
      check(false, `${p} disappeared`);
      continue;
    }
    check(now.available >= 0, `${p} available ${now.available} < 0`);
    const total = first.available + first.reserved + first.sold;
    check(now.available + now.reserved + now.sold === total, `${p}: ${JSON.stringify(now)} != total ${total}`);
    if (opts.exactStock) {
      check(now.sold - first.sold === (sold[p] ?? 0), `${p}: sold ${now.sold - first.sold}, confirmed ${sold[p] ?? 0}`);
    }
    if (opts.settles !== false)
      check(now.reserved === first.reserved, `${p}: ${now.reserved - first.reserved} units still reserved`);
  }

  expect(violations).toEqual([]);
  const statuses = [...orders.values()];
  const failures: Record<string, number> = {};
  for (const o of statuses) if (o.status === 'FAILED') failures[o.code ?? '?'] = (failures[o.code ?? '?'] ?? 0) + 1;
  return {
    orders: ids.length,
    confirmed: statuses.filter((o) => o.status === 'CONFIRMED').length,
    failed: statuses.filter((o) => o.status === 'FAILED').length,
    failures,
    checks,
    ...(opts.brokerLostLog ? { incomplete } : {}),
  };
}

/**
 * Notifications of these orders the log channel sent more than once ("<orderId> <template> ×n"),
 * from the system's logs: what GET /notifications cannot show.
 */
export function sentMoreThanOnce(orderIds: string[], logDir = process.env.SYSTEM_LOG_DIR!): string[] {
  const mine = new Set(orderIds);
  return [...channelSends(logDir)]
    .filter(([k, n]) => n > 1 && mine.has(k.split(' ')[0]!))
    .map(([k, n]) => `${k} ×${n}`);
}

/** How many times the log channel sent each "<orderId> <template>", over every notification-service instance's log. */
function channelSends(logDir: string): Map<string, number> {
  const counted = new Map<string, number>();
  for (const file of fs.readdirSync(logDir).filter((f) => f.startsWith('notification-service'))) {
    for (const line of fs.readFileSync(path.join(logDir, file), 'utf8').split('\n')) {
      if (!line.includes('"notification sent"')) continue;
      const { orderId, template } = JSON.parse(line) as { orderId: string; template: string };
      counted.set(`${orderId} ${template}`, (counted.get(`${orderId} ${template}`) ?? 0) + 1);
    }
  }
  return counted;
}

const pollers = new Set<ReturnType<typeof pollLevels>>();
/** Stops a poller even when the test fails before it does (a live poller keeps jest running). */
export function track(poller: ReturnType<typeof pollLevels>) {
  pollers.add(poller);
  return poller;
}
afterAll(async () => {
  await Promise.all([...pollers].map((p) => p.stop()));
  pollers.clear();
});
