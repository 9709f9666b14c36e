import { randomUUID } from 'node:crypto';
import { buildOrderCreated, createEvent, dlqTopic, toKafkaRecord, type KafkaRecord } from '@checkout/contracts';
import { recordTopics, testPublisher, waitFor } from '../../../test/support';
import { Outbox, replayDeadLetters } from '../src';
import { messagingFixture } from './messaging-fixture';

describe('dead letters (real Redis and Kafka protocol)', () => {
  const { service, logger, kafka, publisher, redis, prefix, seen, logged, deliveries, state, cue } =
    messagingFixture('poison');

  const dlq = dlqTopic(service);
  let recorder: Awaited<ReturnType<typeof recordTopics>>;
  let pub: Awaited<ReturnType<typeof testPublisher>>;
  beforeAll(async () => {
    recorder = await recordTopics([dlq]);
    pub = await testPublisher();
  });
  afterAll(async () => {
    await recorder.stop();
    await pub.stop();
  });

  it('when a message is not JSON, then it lands in the DLQ naming the reason and origin, and later ones flow', async () => {
    await pub.publishRaw('order.created', 'not json{', { ce_type: 'order.created', ce_id: 'poison-1' }, 'k1');
    const dead = await waitFor(() => recorder.messages.find((m) => m.headers.ce_id === 'poison-1'), {
      what: 'dead letter',
    });
    expect(dead.headers).toMatchObject({ 'dlq-reason': 'NOT_JSON', 'dlq-original-topic': 'order.created' });
    expect(dead.headers['dlq-original-partition']).toMatch(/^\d+$/);
    expect(dead.headers['dlq-original-offset']).toMatch(/^\d+$/);
    const next = await pub.publish('order.created', buildOrderCreated());
    await waitFor(() => seen.find((e) => e.id === next.id), { what: 'the next event' });
  });

  it('when a poison value is not text, then its dead letter and the replay of it carry the very same bytes', async () => {
    const value = Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0xff, 0xfe, 0xc3, 0x28, 0x80, 0x00]); // gzip-like, not UTF-8
    await pub.publishRaw('order.created', value, { ce_type: 'order.created', ce_id: 'poison-binary' });
    const letters = () => recorder.messages.filter((m) => m.headers.ce_id === 'poison-binary');
    const [dead] = await waitFor(() => (letters().length ? letters() : undefined), { what: 'dead letter' });
    expect(dead!.headers['dlq-reason']).toBe('NOT_JSON');
    expect(dead!.raw?.toString('hex')).toBe(value.toString('hex'));

    // Replayed to its topic, it is still poison and comes back: as it went out, byte for byte.
    await replayDeadLetters(kafka, publisher, service, (l) => l.eventId === 'poison-binary');
    const [, again] = await waitFor(() => (letters().length > 1 ? letters() : undefined), {
      what: 'the replayed letter dead-lettered again',
    });
    expect(again!.raw?.toString('hex')).toBe(value.toString('hex'));
  });

  it('when a header holds a card number, then the letter says CARD_NUMBER and neither its error nor the log line repeats the number', async () => {
    const card = '4111*1111*1111*1111';
    const value = JSON.stringify(buildOrderCreated());
    await pub.publishRaw('order.created', value, { ce_type: 'order.created', ce_id: card, 'x-correlation-id': card });
    await pub.publishRaw('order.created', value, { ce_type: card, ce_id: 'poison-card-type' });
    const letter = (id: string) => recorder.messages.find((m) => m.headers.ce_id === id);
    const byId = await waitFor(() => letter(card), { what: 'the letter of the card-number ce_id' });
    const byType = await waitFor(() => letter('poison-card-type'), { what: 'the letter of the card-number ce_type' });
    expect(byId.headers).toMatchObject({ 'dlq-reason': 'CARD_NUMBER', 'dlq-error': 'ce_id holds a card number' });
    expect(byType.headers).toMatchObject({
      'dlq-reason': 'UNKNOWN_TYPE',
      'dlq-error': 'unknown ce_type "[card number]"',
    });
    const lines = await waitFor(
      () => {
        const found = logged.filter((l) => l.msg === 'message dead-lettered' && l.reason !== undefined);
        return found.some((l) => l.eventId === '[card number]') && found.some((l) => l.eventId === 'poison-card-type')
          ? found
          : undefined;
      },
      { what: 'both dead letters logged' },
    );
    expect(lines.length).toBeGreaterThanOrEqual(2);
    expect(JSON.stringify(logged)).not.toContain(card);
  });

  it("when an event arrives on another type's topic, then it is dead-lettered as UNEXPECTED_TYPE, not handled as its type", async () => {
    const event = createEvent('order.created', buildOrderCreated(), { source: '/t', correlationId: 'misrouted' });
    await pub.publishRaw('order.failed', JSON.stringify(event.data), toKafkaRecord(event).headers, event.subject);
    const dead = await waitFor(() => recorder.messages.find((m) => m.headers.ce_id === event.id), {
      what: 'dead letter',
    });
    expect(dead.headers).toMatchObject({
      'dlq-reason': 'UNEXPECTED_TYPE',
      'dlq-error': 'ce_type order.created on topic order.failed',
      'dlq-original-topic': 'order.failed',
    });
    expect(seen.find((e) => e.id === event.id)).toBeUndefined();
  });

  it('when a message fails its schema, then it is dead-lettered as SCHEMA_VIOLATION', async () => {
    await pub.publishRaw('order.created', '{"orderId":"x"}', { ce_type: 'order.created', ce_id: 'poison-2' });
    const dead = await waitFor(() => recorder.messages.find((m) => m.headers.ce_id === 'poison-2'), {
      what: 'dead letter',
    });
    expect(dead.headers['dlq-reason']).toBe('SCHEMA_VIOLATION');
    expect(dead.headers['dlq-error']).toContain('customer');
  });

  it('when an outbox entry fails its schema, then the relay dead-letters it instead of publishing it', async () => {
    const outbox = new Outbox({ redis, prefix: `${prefix}-bad`, publisher, logger, service });
    const bad = {
      topic: 'order.created',
      key: 'k',
      value: '{"orderId":"x"}',
      headers: { ce_type: 'order.created', ce_id: 'bad-out-1' },
    };
    // A valid marker behind it, on the same key (so the same partition): once it is on the topic,
    // the bad entry would be too, had it been published.
    const marker = createEvent('order.created', buildOrderCreated(), { source: '/t', correlationId: 'marker' });
    const topic = await recordTopics(['order.created']);
    try {
      await redis.xadd(outbox.stream, '*', 'r', JSON.stringify(bad));
      await redis.xadd(outbox.stream, '*', 'r', JSON.stringify({ ...toKafkaRecord(marker), key: bad.key }));
      await outbox.drain();
      const dead = await waitFor(() => recorder.messages.find((m) => m.headers.ce_id === 'bad-out-1'), {
        what: 'dead letter',
      });
      expect(dead.topic).toBe(dlq);
      expect(dead.headers).toMatchObject({
        'dlq-reason': 'INVALID_OUTGOING_EVENT',
        'dlq-original-topic': 'order.created',
        'dlq-service': service,
      });
      expect(dead.headers).not.toHaveProperty('dlq-original-offset');
      await waitFor(() => topic.messages.find((m) => m.headers.ce_id === marker.id), { what: 'the marker' });
      expect(topic.messages.filter((m) => m.headers.ce_id === 'bad-out-1')).toEqual([]);
    } finally {
      await topic.stop();
    }
  });

  it('when outbox entries are no records (not JSON, another shape, headers not text, a topic not its type), then the relay dead-letters them and goes on to the entries after them', async () => {
    const outbox = new Outbox({ redis, prefix: `${prefix}-unreadable`, publisher, logger, service });
    const valid = (over: Partial<KafkaRecord>) => ({
      ...toKafkaRecord(createEvent('order.created', buildOrderCreated(), { source: '/t', correlationId: 'c' })),
      ...over,
    });
    const numericHeader = valid({ key: `numeric-header-${randomUUID()}` });
    const elsewhere = valid({ key: `elsewhere-${randomUUID()}`, topic: 'order.confirmed' });
    const unreadable = [
      '{"topic":"order.created","key":"k2","val',
      '["order.created"]',
      JSON.stringify({ ...numericHeader, headers: { ...numericHeader.headers, 'x-retries': 1 } }),
      JSON.stringify(elsewhere),
    ];
    const marker = createEvent('order.created', buildOrderCreated(), { source: '/t', correlationId: 'marker' });
    const topic = await recordTopics(['order.created', 'order.confirmed']);
    try {
      const entryIds = [];
      for (const raw of unreadable) entryIds.push(await redis.xadd(outbox.stream, '*', 'r', raw));
      await redis.xadd(outbox.stream, '*', 'r', JSON.stringify(toKafkaRecord(marker)));
      await outbox.drain();
      // Each letter is keyed by its record's key, or by its stream entry where it had none.
      const keys = [entryIds[0], entryIds[1], numericHeader.key, elsewhere.key];
      const dead = await waitFor(
        () => {
          const found = keys.map((key) => recorder.messages.find((m) => m.key === key));
          return found.every(Boolean) && found;
        },
        { what: 'four dead letters' },
      );
      expect(dead.map((m) => [m?.topic, m?.headers['dlq-reason'], m?.headers['dlq-original-topic']])).toEqual([
        // No original topic where it named no event's: a replay skips such a letter.
        [dlq, 'INVALID_OUTGOING_EVENT', undefined],
        [dlq, 'INVALID_OUTGOING_EVENT', undefined],
        [dlq, 'INVALID_OUTGOING_EVENT', 'order.created'],
        // Its ce_type says order.created: a replay to the topic it was written for would misroute it.
        [dlq, 'INVALID_OUTGOING_EVENT', undefined],
      ]);
      expect(dead[2]?.headers).toMatchObject({ ce_id: numericHeader.headers.ce_id });
      expect(dead[2]?.headers).not.toHaveProperty('x-retries');
      await waitFor(() => topic.messages.find((m) => m.headers.ce_id === marker.id), { what: 'the marker' });
      expect(topic.messages.filter((m) => m.key === numericHeader.key || m.key === elsewhere.key)).toEqual([]);
      expect(await redis.xlen(outbox.stream)).toBe(0);
    } finally {
      await topic.stop();
    }
  });

  it('when the handler throws every time, then after bounded attempts it is dead-lettered, logged with its correlation id', async () => {
    const event = await pub.publish('order.created', buildOrderCreated({ customer: cue('always-fails') }), {
      correlationId: 'corr-always-fails',
    });
    const dead = await waitFor(() => recorder.messages.find((m) => m.headers.ce_id === event.id), {
      what: 'dead letter',
    });
    expect(dead.headers).toMatchObject({ 'dlq-reason': 'HANDLER_FAILED', 'dlq-error': 'handler bug' });
    // Five runs, the consumer's default: no service sets another.
    expect(state.failing).toBe(5);
    // The runs share one delivery id, which no other delivery has.
    const runs = deliveries.get(event.id)!;
    expect(runs).toHaveLength(5);
    expect(new Set(runs).size).toBe(1);
    const others = [...deliveries].filter(([id]) => id !== event.id).flatMap(([, ids]) => ids);
    expect(others.length).toBeGreaterThan(0);
    expect(others).not.toContain(runs[0]);
    // Found by the order's correlation id like the retries before it (it named topic and offset only).
    const line = await waitFor(() => logged.find((l) => l.msg === 'message dead-lettered' && l.eventId === event.id), {
      what: 'the dead-letter line',
    });
    expect(line).toMatchObject({ reason: 'HANDLER_FAILED', correlationId: 'corr-always-fails' });
  });

  it('when the consumer was fixed, then replaying the dead letter delivers it once with its original ce_id', async () => {
    const event = await pub.publish('order.created', buildOrderCreated({ customer: cue('fails-until-fixed') }));
    await waitFor(() => recorder.messages.find((m) => m.headers.ce_id === event.id), { what: 'dead letter' });
    state.fixed = true;
    const first = await replayDeadLetters(kafka, publisher, service, (l) => l.eventId === event.id);
    expect(first.replayed).toBe(1);
    await waitFor(() => seen.find((e) => e.id === event.id), { what: 'the replayed event' });
    const again = await replayDeadLetters(kafka, publisher, service, (l) => l.eventId === event.id);
    expect(again.replayed).toBe(0);
  });
});
