import { setTimeout as sleep } from 'node:timers/promises';
import { buildOrderCreated, createEvent, toKafkaRecord, type CloudEvent } from '@checkout/contracts';
import { waitFor } from '../../../test/support';
import { EventConsumer } from '../src';
import { messagingFixture } from './messaging-fixture';

describe('event consumer stopping in the middle of a backlog (real Kafka protocol)', () => {
  const { service, logger, kafka, metrics, publisher } = messagingFixture('stopping', { consumer: false });

  const meta = { source: '/t', correlationId: 'backlog' };
  const BACKLOG = 50;

  /**
   * A backlog sent in one request to one partition: one record batch, so the consumer fetches it
   * as one batch. Resolves with the events and the offset of the first.
   */
  const sendBacklog = async () => {
    const events = Array.from({ length: BACKLOG }, () => createEvent('order.created', buildOrderCreated(), meta));
    const producer = kafka.producer();
    await producer.connect();
    try {
      const [sent] = await producer.send({
        topic: 'order.created',
        messages: events.map((e) => ({ ...toKafkaRecord(e), partition: 0 })),
      });
      return { events, base: Number(sent!.baseOffset) };
    } finally {
      await producer.disconnect();
    }
  };

  /** A member of `group` whose handler gets the index of each backlog event (what other tests sent is skipped). */
  const member = (
    group: string,
    events: CloudEvent[],
    handle: (i: number) => Promise<void>,
    messageConcurrency = 1,
  ) => {
    const index = new Map(events.map((e, i) => [e.id, i]));
    return new EventConsumer({
      kafka,
      service: group,
      groupId: group,
      handlers: {
        'order.created': async (event) => {
          const i = index.get(event.id);
          if (i !== undefined) await handle(i);
        },
      },
      publisher,
      logger,
      metrics,
      maxWaitTimeInMs: 10,
      sessionTimeout: 6000,
      messageConcurrency,
    });
  };

  const committedOffset = async (group: string) => {
    const admin = kafka.admin();
    await admin.connect();
    try {
      const [topic] = await admin.fetchOffsets({ groupId: group, topics: ['order.created'] });
      return Number(topic!.partitions.find((p) => p.partition === 0)!.offset);
    } finally {
      await admin.disconnect();
    }
  };

  /** The backlog indices a new member of `group` receives, in order, once it got the last one. */
  const receivedByNextMember = async (group: string, events: CloudEvent[]) => {
    const received: number[] = [];
    const next = member(group, events, async (i) => void received.push(i));
    await next.start();
    try {
      // A second member of a group joins after sessionTimeout - 1 s.
      await waitFor(() => received.includes(BACKLOG - 1), { what: 'the rest of the backlog', timeoutMs: 25_000 });
    } finally {
      await next.stop();
    }
    return received;
  };

  const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);

  // kafkajs heartbeats only between batches: without the consumer's own heartbeats the member was
  // evicted mid-batch (or mid-call), its commit refused, and the messages fetched and handled again.
  it.each([
    // 50 × 150 ms = 7.5 s for the batch, against a 6 s session.
    [
      'handling one batch of the backlog outlasts the session',
      'slow-batch',
      (_i: number, _first: boolean) => sleep(150),
    ],
    // One 8 s call, against a 6 s session: heartbeats only as messages finished left it without one.
    [
      'one handler call outlasts the session',
      'slow-call',
      (i: number, first: boolean) => (i === 0 && first ? sleep(8000) : undefined),
    ],
  ])(
    'when %s, then the member heartbeats through it: committed past it, each message handled once',
    async (_what, name, work) => {
      const group = `${service}-${name}`;
      const { events, base } = await sendBacklog();
      const times = new Array<number>(BACKLOG).fill(0);
      const slow = member(group, events, async (i) => {
        times[i]!++;
        await work(i, times[i] === 1);
      });
      await slow.start();
      try {
        await waitFor(async () => (await committedOffset(group)) >= base + BACKLOG, {
          what: 'the backlog to be committed',
          timeoutMs: 30_000,
          intervalMs: 500,
        });
        expect(times).toEqual(new Array(BACKLOG).fill(1));
      } finally {
        await slow.stop();
      }
    },
    60_000,
  );

  it('when stopped while a handler waits to retry a dependency that is down, then it makes no further attempt and the message is left for the next member', async () => {
    const group = `${service}-stop-retrying`;
    const { events, base } = await sendBacklog();
    let attempts = 0;
    const first = member(group, events, async (i) => {
      if (i !== 0) return;
      attempts++;
      throw Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    });
    await first.start();
    await waitFor(() => attempts >= 3, { what: 'the first message retried' });
    // Each attempt fails at once, so the handler is waiting out its backoff now.
    const beforeStop = attempts;
    await first.stop();
    // The retry it was waiting for did not run.
    expect(attempts).toBe(beforeStop);
    expect(await committedOffset(group)).toBeLessThanOrEqual(base);
    expect(await receivedByNextMember(group, events)).toEqual(range(0, BACKLOG));
  }, 60_000);

  it('when stopped while a batch of the backlog is handled, then it stops after the message in flight and commits right behind it', async () => {
    const group = `${service}-stop-backlog`;
    const { events, base } = await sendBacklog();
    const handled: number[] = [];
    let started = 0;
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const first = member(group, events, async (i) => {
      started++;
      if (i === 4) await held;
      handled.push(i);
    });
    await first.start();
    await waitFor(() => started === 5, { what: 'the fifth message in its handler' });
    const stopped = first.stop();
    release();
    await stopped;
    // The message in flight finished; none was started after the stop.
    expect({ started, handled }).toEqual({ started: 5, handled: [0, 1, 2, 3, 4] });
    expect(await committedOffset(group)).toBe(base + 5);
    expect(await receivedByNextMember(group, events)).toEqual(range(5, BACKLOG));
  }, 60_000);

  it('when stopped while a later message finished and an earlier one fails, then the commit stops at the earlier one', async () => {
    const group = `${service}-stop-unordered`;
    const { events, base } = await sendBacklog();
    const handled = new Set<number>();
    let started = 0;
    let releaseLater!: () => void;
    const later = new Promise<void>((resolve) => (releaseLater = resolve));
    let failEarlier!: () => void;
    const earlier = new Promise<void>((resolve) => (failEarlier = resolve));
    const first = member(
      group,
      events,
      async (i) => {
        started++;
        if (i === 3) {
          await earlier;
          throw new Error('Redis went away');
        }
        if (i > 3) await later;
        handled.add(i);
      },
      4,
    );
    await first.start();
    // Four at a time: 0-2 are done, and 3 (held, then failing) and 4-6 (held) are in flight.
    await waitFor(() => started === 7 && handled.size === 3, { what: 'messages 3 to 6 in their handlers' });
    const stopped = first.stop();
    releaseLater();
    await waitFor(() => handled.size === 6, { what: 'messages 4 to 6 to finish before 3' });
    failEarlier();
    await stopped;
    expect({ started, handled: [...handled].sort((a, b) => a - b) }).toEqual({
      started: 7,
      handled: [0, 1, 2, 4, 5, 6],
    });
    expect(await committedOffset(group)).toBe(base + 3);
    // 4-6 are delivered again, which idempotent handlers absorb; a commit past 3 would have lost 3.
    expect(await receivedByNextMember(group, events)).toEqual(range(3, BACKLOG));
  }, 60_000);
});
