import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { createEvent, dlqTopic, toKafkaRecord } from '@checkout/contracts';
import { useChaosSystem, waitForConsumersIdle, waitForRecorded, type ChaosContext } from '../support/chaos';
import { assertInvariants, levels } from '../support/invariants';
import { testPublisher, type RecordedMessage } from '../support/kafka';
import { auditOf, checkoutBody, placeOrder } from '../support/saga';
import { waitFor } from '../support/wait';

const system = useChaosSystem();

/** Which consuming services read each poisoned topic (their handler maps). */
const READERS: Record<string, string[]> = {
  'order.created': ['inventory-service', 'payment-service', 'notification-service', 'audit-service'],
  'stock.reserved': ['inventory-cache-service', 'payment-service', 'checkout-service', 'audit-service'],
};

const ceHeaders = (type: string, id = randomUUID()) => ({
  ce_specversion: '1.0',
  ce_id: id,
  ce_type: type,
  ce_source: '/chaos',
  ce_time: new Date().toISOString(),
  'content-type': 'application/json',
  'x-correlation-id': `poison-${id}`,
});

const dlq = (ctx: ChaosContext, service: string, key: string) =>
  ctx.recorder.messages.filter((m) => m.topic === dlqTopic(service) && m.key === key);

function runDlqCli(ctx: ChaosContext, ...args: string[]) {
  const root = path.resolve(__dirname, '..', '..');
  const r = spawnSync(process.execPath, [path.join(root, 'libs/chassis/dist/cli/dlq.js'), ...args], {
    env: { ...process.env, KAFKA_BROKERS: ctx.system.infra.kafkaBrokers },
    encoding: 'utf8',
    timeout: 60_000,
  });
  if (r.status !== 0) throw new Error(`dlq ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return { lines: r.stdout.split('\n').filter(Boolean), summary: r.stderr.trim() };
}

describe('poison messages on every consumed topic', () => {
  const poisons: { kind: string; reason: string; topic: string; key: string; original: RecordedMessage }[] = [];

  // Both tests read these: each one runs alone too.
  beforeAll(async () => {
    const ctx = system();
    const publisher = await testPublisher(ctx.system.infra.kafkaBrokers);
    const sent: Omit<(typeof poisons)[number], 'original'>[] = [];
    for (const topic of Object.keys(READERS)) {
      const notJson = { kind: 'not JSON', reason: 'NOT_JSON', topic, key: `poison-${randomUUID()}` };
      await publisher.publishRaw(topic, '{"orderId": "half a mess', ceHeaders(topic), notJson.key);
      const badSchema = { kind: 'schema violation', reason: 'SCHEMA_VIOLATION', topic, key: `poison-${randomUUID()}` };
      await publisher.publishRaw(
        topic,
        JSON.stringify({ orderId: badSchema.key, items: 'none' }),
        ceHeaders(topic),
        badSchema.key,
      );
      sent.push(notJson, badSchema);
    }
    await publisher.stop();
    for (const p of sent)
      poisons.push({
        ...p,
        original: await waitFor(() => ctx.recorder.messages.find((m) => m.topic === p.topic && m.key === p.key), {
          what: `${p.kind} on ${p.topic} to be recorded`,
        }),
      });
  });

  it('when a non-JSON message and one that fails its schema arrive, then every consuming service dead-letters each with its reason and origin, and later orders still flow', async () => {
    const ctx = system();
    const initial = await levels();
    const started = Date.now();
    for (const p of poisons)
      for (const service of READERS[p.topic]!)
        await waitFor(() => dlq(ctx, service, p.key).length > 0, { what: `${p.kind} on ${p.topic} in dlq.${service}` });
    // Once every consumer committed past the poison and the recorder read each DLQ to its end, a
    // letter written twice (a redelivery dead-lettered again) would be there to see.
    await waitForConsumersIdle(ctx.system.infra.kafkaBrokers);
    const readers = [...new Set(Object.values(READERS).flat())];
    await waitForRecorded(
      ctx.system.infra.kafkaBrokers,
      ctx.recorder.messages,
      readers.map((s) => dlqTopic(s)),
    );

    let letters = 0;
    for (const p of poisons) {
      for (const service of READERS[p.topic]!) {
        const all = dlq(ctx, service, p.key);
        expect(all).toHaveLength(1);
        const letter = all[0]!;
        expect(letter.headers).toMatchObject({
          'dlq-reason': p.reason,
          'dlq-original-topic': p.topic,
          'dlq-original-partition': String(p.original.partition),
          'dlq-original-offset': p.original.offset,
          'dlq-service': service,
        });
        expect(letter.value).toBe(p.original.value);
        letters++;
      }
    }

    // The partitions moved on: new orders complete as usual.
    const orders = await Promise.all(
      Array.from(
        { length: 10 },
        async () => (await placeOrder(await checkoutBody([['sku-011', 1]]))).data.orderId as string,
      ),
    );
    const report = await assertInvariants({
      initial,
      orderIds: orders,
      recorded: ctx.recorder.messages,
      exactStock: true,
    });
    expect(report.confirmed).toBe(10);
    console.log(
      `poison: ${poisons.length} poison messages on ${Object.keys(READERS).length} topics → ${letters} dead letters across 6 services; ` +
        `then ${report.orders} orders, ${report.confirmed} CONFIRMED; ${report.checks} invariant checks; ${Date.now() - started} ms`,
    );
  });

  it('when an operator lists and replays dead letters with `npm run dlq`, then each is shown with its origin and replayed once', async () => {
    const ctx = system();
    const started = Date.now();
    const listedPoisons = poisons.filter((x) => x.topic === 'order.created');
    expect(listedPoisons).toHaveLength(2);
    for (const p of listedPoisons)
      await waitFor(() => dlq(ctx, 'inventory-service', p.key).length > 0, {
        what: `${p.kind} in dlq.inventory-service`,
      });
    const listed = runDlqCli(ctx, 'list', 'inventory-service');
    const rows = listed.lines.map((l) => JSON.parse(l));
    for (const p of listedPoisons)
      expect(rows).toContainEqual(
        expect.objectContaining({
          reason: p.reason,
          origin: `${p.topic}/${p.original.partition}@${p.original.offset}`,
        }),
      );
    expect(listed.summary).toContain(`${rows.length} dead letter(s) in dlq.inventory-service`);

    // A dead letter of a valid event (as a handler bug once left it): audit never recorded it.
    const orderId = `replayed-${randomUUID()}`;
    const event = createEvent(
      'order.failed',
      { orderId, stage: 'validation', code: 'EMPTY_CART', reason: 'the cart is empty' },
      { source: '/checkout-service', correlationId: orderId },
    );
    const r = toKafkaRecord(event);
    const publisher = await testPublisher(ctx.system.infra.kafkaBrokers);
    await publisher.publishRaw(
      dlqTopic('audit-service'),
      r.value,
      {
        ...r.headers,
        'dlq-reason': 'HANDLER_FAILED',
        'dlq-error': 'a bug since fixed',
        'dlq-original-topic': r.topic,
        'dlq-original-partition': '0',
        'dlq-original-offset': '0',
        'dlq-service': 'audit-service',
      },
      r.key,
    );
    await publisher.stop();
    await waitFor(() => dlq(ctx, 'audit-service', orderId).length === 1);

    const first = runDlqCli(ctx, 'replay', 'audit-service', '--event-id', event.id);
    // Letters of other tests are passed over; when there are some, a second line says how to reach them.
    const [summary, hint] = first.summary.split('\n');
    const skippedCount = Number(/^replayed 1, skipped (\d+) from dlq\.audit-service$/.exec(summary!)?.[1] ?? NaN);
    expect(skippedCount).toBeGreaterThanOrEqual(0);
    expect(hint).toEqual(
      skippedCount > 0
        ? `the ${skippedCount} skipped are not offered to a plain replay again: \`replay audit-service --from-beginning\` with a filter reads every letter kept`
        : undefined,
    );
    const audited = await waitFor(async () => {
      const events = await auditOf(orderId);
      return events.length > 0 ? events : undefined;
    });
    expect(audited.map((e) => e.id)).toEqual([event.id]);
    await waitFor(() => ctx.recorder.messages.some((m) => m.topic === 'order.failed' && m.headers.ce_id === event.id));

    // The replay group committed: a second run hands over nothing already replayed.
    const second = runDlqCli(ctx, 'replay', 'audit-service', '--event-id', event.id);
    expect(second.summary).toBe('replayed 0, skipped 0 from dlq.audit-service');
    expect(
      ctx.recorder.messages.filter((m) => m.topic === 'order.failed' && m.headers.ce_id === event.id),
    ).toHaveLength(1);
    expect((await auditOf(orderId)).map((e) => e.id)).toEqual([event.id]);

    // From the beginning, with its id: the letter goes out again, and the group's offsets stay.
    const fromStart = runDlqCli(ctx, 'replay', 'audit-service', '--from-beginning', '--event-id', event.id);
    expect(fromStart.summary.split('\n')[0]).toMatch(/^replayed 1, skipped \d+ from dlq\.audit-service$/);
    await waitFor(
      () =>
        ctx.recorder.messages.filter((m) => m.topic === 'order.failed' && m.headers.ce_id === event.id).length === 2,
      { what: 'the letter replayed again from the beginning' },
    );
    const third = runDlqCli(ctx, 'replay', 'audit-service', '--event-id', event.id);
    expect(third.summary).toBe('replayed 0, skipped 0 from dlq.audit-service');
    console.log(
      `dlq cli: listed ${rows.length} letters of inventory-service; replay → "${first.summary.split('\n')[0]}", again → "${second.summary}", from the beginning → "${fromStart.summary.split('\n')[0]}"; ${Date.now() - started} ms`,
    );
  });
});
