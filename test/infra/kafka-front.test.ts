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
  startKafkaMock(o: { log: () => void }): Promise<KafkaMock>;
};
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { fetchAnswerWorthSending, renameBroker } = require('../../scripts/lib/kafka-front') as {
  fetchAnswerWorthSending(frame: Buffer, version: number): boolean;
  renameBroker(frame: Buffer, host: string, from: number, to: number): Buffer;
};

/** A Fetch v11 answer: one topic, one partition, the given error code and record bytes. */
function fetchAnswer({ errorCode = 0, records = Buffer.alloc(0) } = {}): Buffer {
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
    Buffer.alloc(8 + 8 + 8), // high watermark, last stable offset, log start offset
    int(4, -1), // no aborted transactions
    int(4, -1), // preferred read replica
    int(4, records.length),
    records,
  ]);
  return Buffer.concat([int(4, head.length), head]);
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
    mock = await startKafkaMock({ log: () => undefined });
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
});
