import type { Kafka } from 'kafkajs';
import { buildOrderCreated, createEvent, dlqTopic, toKafkaRecord } from '@checkout/contracts';
import { waitFor } from '../../../test/support';
import { replayDeadLetters, Publisher, type DeadLetter } from '../src';
import { messagingFixture } from './messaging-fixture';

/** A fresh order.created as a consumer dead-letters it after its handler failed: its id and the DLQ message. */
const deadLetter = (correlationId: string, partition = 0) => {
  const record = toKafkaRecord(createEvent('order.created', buildOrderCreated(), { source: '/t', correlationId }));
  const headers = { ...record.headers, 'dlq-reason': 'HANDLER_FAILED', 'dlq-original-topic': record.topic };
  return { id: record.headers.ce_id, message: { partition, key: record.key, value: record.value, headers } };
};

describe('replaying dead letters (real Kafka protocol)', () => {
  const { service, kafka, publisher, seen } = messagingFixture('replay');

  it('when a replayed letter cannot be sent, then the replay fails at once and the next run offers the letter again', async () => {
    const broken = `${service}-broken`;
    const producer = kafka.producer();
    await producer.connect();
    const letter = deadLetter('b');
    const down = { send: () => Promise.reject(new Error('broker down')) } as unknown as Publisher;
    try {
      await producer.send({ topic: dlqTopic(broken), messages: [letter.message] });
      await expect(replayDeadLetters(kafka, down, broken)).rejects.toThrow('broker down');
      expect(await replayDeadLetters(kafka, publisher, broken)).toEqual({ replayed: 1, skipped: 0 });
      await waitFor(() => seen.some((e) => e.id === letter.id), { what: 'the letter replayed' });
    } finally {
      await producer.disconnect();
    }
  });

  it('when a dead letter arrives while a replay runs, then that run leaves it and the next run replays it', async () => {
    const late = `${service}-late`;
    const producer = kafka.producer();
    await producer.connect();
    const early = deadLetter('late', 3);
    const during = [deadLetter('late', 0), deadLetter('late', 3)];
    let arriving: (() => Promise<unknown>) | undefined = () =>
      producer.send({ topic: dlqTopic(late), messages: during.map((l) => l.message) });
    // The letters in `during` land right after the first run has read the DLQ's end offsets.
    const racing: Kafka = Object.assign(Object.create(kafka) as Kafka, {
      admin: () => {
        const admin = kafka.admin();
        const fetchTopicOffsets = admin.fetchTopicOffsets.bind(admin);
        admin.fetchTopicOffsets = async (topic) => {
          const ends = await fetchTopicOffsets(topic);
          await arriving?.();
          arriving = undefined;
          return ends;
        };
        return admin;
      },
    });
    const offered: [string[], string[]] = [[], []];
    const offer = (run: string[]) => (l: DeadLetter) => {
      run.push(l.eventId);
      return true;
    };
    try {
      await producer.send({ topic: dlqTopic(late), messages: [early.message] });
      const first = await replayDeadLetters(racing, publisher, late, offer(offered[0]));
      expect(first).toEqual({ replayed: 1, skipped: 0 });
      expect(arriving).toBeUndefined();
      const second = await replayDeadLetters(kafka, publisher, late, offer(offered[1]));
      expect(second).toEqual({ replayed: 2, skipped: 0 });
      expect(offered[0]).toEqual([early.id]);
      expect(offered[1].sort()).toEqual(during.map((l) => l.id).sort());
      await waitFor(() => during.every((l) => seen.some((e) => e.id === l.id)), {
        what: 'the late letters replayed',
      });
    } finally {
      await producer.disconnect();
    }
  });

  // A letter a filter passed over was committed with the rest: no later replay could reach it,
  // and the mock broker has no API to reset the group (a newcomer probe).
  it('when a filter passed a letter over, then a replay from the beginning reaches it, and moves nothing: a plain replay after it starts where the last plain one stopped', async () => {
    const skipped = `${service}-skipped`;
    const producer = kafka.producer();
    await producer.connect();
    const letters = [deadLetter('skipped', 1), deadLetter('skipped', 1)];
    const only = (id: string | undefined) => (l: DeadLetter) => l.eventId === id;
    const [passedOver, wanted] = letters;
    try {
      await producer.send({ topic: dlqTopic(skipped), messages: letters.map((l) => l.message) });
      expect(await replayDeadLetters(kafka, publisher, skipped, only(wanted!.id))).toEqual({
        replayed: 1,
        skipped: 1,
      });
      expect(await replayDeadLetters(kafka, publisher, skipped, only(passedOver!.id))).toEqual({
        replayed: 0,
        skipped: 0,
      });

      const again = await replayDeadLetters(kafka, publisher, skipped, only(passedOver!.id), { fromStart: true });
      expect(again).toEqual({ replayed: 1, skipped: 1 });
      await waitFor(() => seen.some((e) => e.id === passedOver!.id), { what: 'the passed-over letter replayed' });
      // It moved no offset: a plain run has nothing old to offer, and offers what came since.
      expect(await replayDeadLetters(kafka, publisher, skipped)).toEqual({ replayed: 0, skipped: 0 });
      const { headers: since } = toKafkaRecord(
        createEvent('order.created', buildOrderCreated(), { source: '/t', correlationId: 'skipped' }),
      );
      await producer.send({
        topic: dlqTopic(skipped),
        messages: [{ ...letters[0]!.message, headers: { ...letters[0]!.message.headers, ce_id: since.ce_id } }],
      });
      expect(await replayDeadLetters(kafka, publisher, skipped, only(passedOver!.id), { fromStart: true })).toEqual({
        replayed: 1,
        skipped: 2,
      });
      expect(await replayDeadLetters(kafka, publisher, skipped)).toEqual({ replayed: 1, skipped: 0 });
    } finally {
      await producer.disconnect();
    }
  });
});
