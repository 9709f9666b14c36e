// The fetch-on-arrival front before librdkafka's mock cluster (scripts/lib/kafka-front.js), with
// real kafkajs clients over real sockets: a held fetch is answered when a message arrives, not
// when the consumer's max wait runs out; an idle fetch still returns when that wait is over; clients
// are sent to the front, never around it.
import { randomUUID } from 'node:crypto';
import type { Consumer, Kafka, Producer } from 'kafkajs';
import { testKafka } from '../support/kafka';
import { waitFor } from '../support/wait';

interface KafkaMock {
  brokers: string;
  frontPid?: number;
  maxWaitMs: number;
  stop(): Promise<void>;
}
// eslint-disable-next-line @typescript-eslint/no-require-imports -- plain JS scripts
const { startKafkaMock } = require('../../scripts/lib/infra') as {
  startKafkaMock(o: { log: () => void; fillMs?: number }): Promise<KafkaMock>;
};
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { fetchAnswerWorthSending, renameBroker, FetchFill } = require('../../scripts/lib/kafka-front') as {
  fetchAnswerWorthSending(frame: Buffer, version: number): boolean;
  renameBroker(frame: Buffer, host: string, from: number, to: number): Buffer;
  FetchFill: new (
    request: Buffer,
    body: number,
    version: number,
    budgetMs: number,
  ) => { add(answer: Buffer): Buffer | null; answer(): Buffer };
};

/** A Fetch v11 answer: one topic, one partition, the given error code, high watermark and record bytes. */
function fetchAnswer({ errorCode = 0, records = Buffer.alloc(0), highWatermark = 0 } = {}): Buffer {
  const topic = Buffer.from('orders');
  const head = Buffer.concat([
    int(4, 7), // correlation id
    int(4, 0), // throttle
    int(2, 0), // top-level error
    int(4, 0), // session id
    int(4, 1), // one topic
    int(2, topic.length),
    topic,
    int(4, 1), // one partition
    int(4, 0),
    int(2, errorCode),
    long(highWatermark),
    long(highWatermark), // last stable offset
    long(0), // log start offset
    int(4, -1), // no aborted transactions
    int(4, -1), // preferred read replica
    int(4, records.length),
    records,
  ]);
  return Buffer.concat([int(4, head.length), head]);
}

/** A Fetch v11 request for partition 0 of 'orders' from `offset`, and where its body starts. */
function fetchRequest(offset: number): { frame: Buffer; body: number } {
  const topic = Buffer.from('orders');
  const head = Buffer.concat([int(2, 1), int(2, 11), int(4, 7), int(2, 0)]); // Fetch v11, correlation 7, no client id
  const body = Buffer.concat([
    int(4, -1), // replica id
    int(4, 0), // max wait
    int(4, 1), // min bytes
    int(4, 1_000_000), // max bytes
    Buffer.alloc(1), // isolation level
    int(4, 0), // session id
    int(4, -1), // session epoch
    int(4, 1),
    int(2, topic.length),
    topic,
    int(4, 1),
    int(4, 0), // partition
    int(4, -1), // current leader epoch
    long(offset),
    long(0), // log start offset
    int(4, 100_000), // partition max bytes
    int(4, 0), // no forgotten topics
    int(2, 0), // rack id
  ]);
  return { frame: Buffer.concat([int(4, head.length + body.length), head, body]), body: 4 + head.length };
}

/** A record batch's 61-byte header alone, at `offset`, with one record's offset span. */
function batch(offset: number): Buffer {
  const b = Buffer.alloc(61);
  b.writeBigInt64BE(BigInt(offset), 0);
  b.writeInt32BE(61 - 12, 8); // batch length after the length field
  b.writeInt32BE(0, 23); // last offset delta
  return b;
}

function long(value: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigInt64BE(BigInt(value));
  return b;
}

function int(size: number, value: number): Buffer {
  const b = Buffer.alloc(size);
  if (size === 2) b.writeInt16BE(value);
  else b.writeInt32BE(value);
  return b;
}

describe('kafka front: reading answers', () => {
  it('holds an empty fetch answer and passes one with records or an error at once', () => {
    expect(fetchAnswerWorthSending(fetchAnswer(), 11)).toBe(false);
    expect(fetchAnswerWorthSending(fetchAnswer({ records: Buffer.from('batch') }), 11)).toBe(true);
    expect(fetchAnswerWorthSending(fetchAnswer({ errorCode: 6 }), 11)).toBe(true);
  });

  it('fills a fetch answer with the batches that follow, until the partition is caught up', () => {
    const { frame, body } = fetchRequest(0);
    const fill = new FetchFill(frame, body, 11, 60_000);
    const next = fill.add(fetchAnswer({ records: batch(0), highWatermark: 3 }));
    // The follow-up asks for offset 1, where the first answer ends.
    expect(next?.readBigInt64BE(next.length - 4 - 2 - 4 - 8 - 8)).toBe(1n);
    expect(fill.add(fetchAnswer({ records: batch(1), highWatermark: 3 }))).not.toBeNull();
    expect(fill.add(fetchAnswer({ records: batch(2), highWatermark: 3 }))).toBeNull();
    expect(fill.answer()).toEqual(
      fetchAnswer({ records: Buffer.concat([batch(0), batch(1), batch(2)]), highWatermark: 3 }),
    );
  });

  it('sends the first answer as it is when the fill budget is spent or nothing more waits', () => {
    const { frame, body } = fetchRequest(0);
    const first = fetchAnswer({ records: batch(0), highWatermark: 3 });
    const spent = new FetchFill(frame, body, 11, 0);
    expect(spent.add(first)).toBeNull();
    expect(spent.answer()).toBe(first);
    const caughtUp = new FetchFill(frame, body, 11, 60_000);
    const only = fetchAnswer({ records: batch(0), highWatermark: 1 });
    expect(caughtUp.add(only)).toBeNull();
    expect(caughtUp.answer()).toBe(only);
  });

  it("names the front instead of the mock wherever the mock's address appears", () => {
    const host = Buffer.from('127.0.0.1');
    const address = (port: number) => Buffer.concat([int(2, host.length), host, int(4, port)]);
    const frame = Buffer.concat([int(4, 1), address(40001), int(4, 9), address(40001)]);
    renameBroker(frame, '127.0.0.1', 40001, 41234);
    expect(frame).toEqual(Buffer.concat([int(4, 1), address(41234), int(4, 9), address(41234)]));
  });
});

describe('kafka front: with the mock cluster', () => {
  let mock: KafkaMock;
  let kafka: Kafka;
  let producer: Producer;
  const consumers: Consumer[] = [];
  const topic = `front-${randomUUID()}`;

  beforeAll(async () => {
    // A fill budget no test machine runs out of, so the backlog test below sees the whole backlog.
    mock = await startKafkaMock({ log: () => undefined, fillMs: 10_000 });
    kafka = testKafka(mock.brokers);
    const admin = kafka.admin();
    await admin.connect();
    await admin.fetchTopicMetadata({ topics: [topic] });
    await admin.disconnect();
    producer = kafka.producer();
    await producer.connect();
  });

  afterAll(async () => {
    for (const c of consumers) await c.disconnect();
    await producer?.disconnect();
    await mock?.stop();
  });

  /** A consumer of `topic` in a new group, with every message and every fetch counted. */
  async function consume(maxWaitTimeInMs: number) {
    const consumer = kafka.consumer({ groupId: `front-${randomUUID()}`, maxWaitTimeInMs, sessionTimeout: 6000 });
    consumers.push(consumer);
    const seen: string[] = [];
    let fetches = 0;
    consumer.on(consumer.events.FETCH, () => fetches++);
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: false });
    await consumer.run({ eachMessage: async ({ message }) => void seen.push(String(message.value)) });
    // Joined and fetching when a ping comes through.
    await waitFor(
      async () => {
        await producer.send({ topic, messages: [{ value: 'ping' }] });
        return seen.includes('ping');
      },
      { timeoutMs: 20_000, intervalMs: 500 },
    );
    return { seen, fetches: () => fetches };
  }

  it('is what clients are told to connect to', async () => {
    const admin = kafka.admin();
    await admin.connect();
    const cluster = await admin.describeCluster();
    await admin.disconnect();
    expect(cluster.brokers.map((b) => `${b.host}:${b.port}`)).toEqual([mock.brokers]);
    expect(mock.frontPid).toBeGreaterThan(0);
  });

  it('answers a waiting fetch when a message arrives, long before the max wait runs out', async () => {
    // On the bare mock a message sent while this consumer's fetch waits arrives when the 8 s are over.
    const { seen } = await consume(8000);
    await producer.send({ topic, messages: [{ value: 'on-arrival' }] });
    await waitFor(() => seen.includes('on-arrival'), { timeoutMs: 4000, what: 'the message before the wait ran out' });
  }, 40_000);

  it('answers an idle fetch when its max wait runs out, and keeps consuming after', async () => {
    const { seen, fetches } = await consume(200);
    const before = fetches();
    // Nothing arrives: each fetch comes back empty after 200 ms, so fetching goes on, slowly.
    await waitFor(() => fetches() >= before + 3, { timeoutMs: 10_000, what: 'three empty fetches' });
    await producer.send({ topic, messages: [{ value: 'after-idle' }] });
    await waitFor(() => seen.includes('after-idle'), { timeoutMs: 10_000, what: 'the message after idling' });
  }, 40_000);

  it('hands a consumer that is behind everything waiting in one fetch, in order', async () => {
    // Each send is its own record batch. The mock answers a fetch with one batch per partition;
    // the front fetches on from where each answer ends (within its fill budget, here ample), so
    // the consumer gets all ten at once.
    const backlog = `front-backlog-${randomUUID()}`;
    const values = Array.from({ length: 10 }, (_, i) => `m${i}`);
    for (const value of values) await producer.send({ topic: backlog, messages: [{ value, partition: 0 }] });
    const consumer = kafka.consumer({ groupId: `front-${randomUUID()}`, maxWaitTimeInMs: 500, sessionTimeout: 6000 });
    consumers.push(consumer);
    const batches: string[][] = [];
    await consumer.connect();
    await consumer.subscribe({ topics: [backlog], fromBeginning: true });
    await consumer.run({
      eachBatch: async ({ batch }) => void batches.push(batch.messages.map((m) => String(m.value))),
    });
    await waitFor(() => batches.flat().length >= values.length, { timeoutMs: 20_000, what: 'the backlog consumed' });
    expect(batches[0]).toEqual(values);
    expect(batches.flat()).toEqual(values);
  }, 40_000);
});
