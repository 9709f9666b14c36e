'use strict';
// kafkajs produce → consume round trip, one message in flight, through a fresh mock broker started
// as the system's is (with the fetch-on-arrival front unless KAFKA_MOCK_FRONT=0, and the max wait
// that suits it): the floor of every Kafka hop in the saga (an idle hop: one message at a random moment).
const { Kafka, logLevel } = require('kafkajs');
const { startKafkaMock } = require('../../../scripts/lib/infra');
const { summarize } = require('../stats');

async function kafkaRtt({ messages = 300, log = () => undefined }) {
  const broker = await startKafkaMock({ log });
  const { maxWaitMs } = broker;
  const kafka = new Kafka({ clientId: 'bench-rtt', brokers: broker.brokers.split(','), logLevel: logLevel.NOTHING });
  const topic = 'bench.rtt';
  const admin = kafka.admin();
  const producer = kafka.producer({ allowAutoTopicCreation: true });
  const consumer = kafka.consumer({ groupId: 'bench-rtt', maxWaitTimeInMs: maxWaitMs, sessionTimeout: 6000 });
  try {
    await admin.connect();
    await admin.fetchTopicMetadata({ topics: [topic] }); // the mock creates topics on metadata requests
    await producer.connect();
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: false });
    const waiting = new Map();
    await consumer.run({
      eachMessage: async ({ message }) => {
        const id = message.key.toString();
        waiting.get(id)?.(performance.now());
        waiting.delete(id);
      },
    });
    const roundTrip = async (id) => {
      const arrived = new Promise((resolve) => waiting.set(id, resolve));
      const t = performance.now();
      await producer.send({ topic, messages: [{ key: id, value: '{"ping":true}' }] });
      return (await arrived) - t;
    };
    // The group joins after ~3 s: keep pinging until a message comes back, then measure.
    for (let i = 0; ; i++) {
      const got = await Promise.race([roundTrip(`warm-${i}`), new Promise((r) => setTimeout(() => r(null), 500))]);
      if (got !== null) break;
    }
    for (let i = 0; i < 20; i++) await roundTrip(`warmup-${i}`);
    const samples = [];
    for (let i = 0; i < messages; i++) {
      // Back-to-back pings ride the fetch already in flight (~0.7 ms) and flatter the mock; a saga's
      // event arrives at a random moment of the consumer's fetch cycle, so pause a random 1–20 ms.
      await new Promise((r) => setTimeout(r, 1 + Math.random() * 19));
      samples.push(await roundTrip(`m-${i}`));
    }
    const s = summarize(samples, 2);
    return { messages, maxWaitMs, front: Boolean(broker.frontPid), p50Ms: s.p50, p99Ms: s.p99, maxMs: s.max };
  } finally {
    await consumer.disconnect().catch(() => undefined);
    await producer.disconnect().catch(() => undefined);
    await admin.disconnect().catch(() => undefined);
    await broker.stop();
  }
}

module.exports = { kafkaRtt };
