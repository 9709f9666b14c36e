import fs from 'node:fs';
import path from 'node:path';
import { accepted, orderStream, pause, tally, useChaosSystem, type Attempt } from '../support/chaos';
import { assertInvariants, levels } from '../support/invariants';
import { setStock, waitForTerminal } from '../support/saga';

// The broker as the services see it is the fetch-on-arrival front before the mock (scripts/lib/
// kafka-front.js): killing it drops every connection while the mock keeps the log, as a broker that
// restarts with its data does; stopping it (SIGSTOP) leaves connections open and unanswered.
// Re-announcing off: a broker that keeps its log loses nothing, and these tests would not see it if
// it did (broker-lost.test.ts is the broker that loses its log).
const system = useChaosSystem({ env: { REANNOUNCE_AFTER_MS: '0' } });

/** Log lines of consumers that kafkajs gave up on (the chassis restarts them). */
const crashLines = (logDir: string) =>
  fs
    .readdirSync(logDir)
    .flatMap((f) => fs.readFileSync(path.join(logDir, f), 'utf8').split('\n'))
    .filter((line) => line.includes('"msg":"consumer crashed"'));

beforeAll(async () => {
  for (const p of ['sku-003', 'sku-004', 'sku-005', 'sku-006', 'sku-007', 'sku-008']) await setStock(p, 1000);
});

const broker = () => {
  const kafka = system().system.infra.kafka;
  // Only the front can be taken away with its log kept (not KAFKA_MOCK_FRONT=0 or a real broker).
  if (!kafka?.restart) throw new Error('broker.test.ts needs the local Kafka front: unset KAFKA_MOCK_FRONT');
  return kafka;
};

/**
 * A stream of orders with `fault` played 2.5-4 s in, then every invariant over the accepted ones,
 * and proof that the fault reached the saga: orders accepted early in it finished only after it.
 */
async function underFault(label: string, fault: () => Promise<string>) {
  const { recorder } = system();
  const initial = await levels();
  const started = Date.now();
  const stream = orderStream(100, 10_000);
  await pause(2500 + Math.random() * 1500);
  const faultFrom = Date.now();
  const injected = await fault();
  const faultTo = Date.now();
  const attempts: Attempt[] = await stream;
  // Checkout writes an order and its event in one step and relays the event when it can, so a
  // broker outage is not the client's problem: no checkout fails for it.
  expect(tally(attempts)).toEqual({ accepted: attempts.length });
  const report = await assertInvariants({
    initial,
    orderIds: accepted(attempts),
    recorded: recorder.messages,
    exactStock: true,
    timeoutMs: 90_000,
  });
  expect(Object.keys(report.failures).filter((c) => c !== 'INSUFFICIENT_FUNDS')).toEqual([]);
  // On a working broker an order ends within tens of ms: one accepted in the fault's first part and
  // ending after it waited for the broker (checkout's clock stamps both).
  const held = [];
  let lastEnd = 0;
  for (const id of accepted(attempts)) {
    const { history } = await waitForTerminal(id);
    const at = (i: number) => Date.parse(history[i]!.at);
    lastEnd = Math.max(lastEnd, at(history.length - 1));
    if (at(0) >= faultFrom && at(0) < faultTo - 1000 && at(history.length - 1) > faultTo) held.push(id);
  }
  expect(held.length).toBeGreaterThan(0);
  console.log(
    `${label}: ${attempts.length} checkouts → ${JSON.stringify(tally(attempts))}; ${injected}; ` +
      `terminal ${report.confirmed} CONFIRMED / ${report.failed} FAILED ${JSON.stringify(report.failures)}; ` +
      `${held.length} accepted during it ended after it, the last order ${lastEnd - faultTo} ms after it; ${report.checks} invariant checks; ${Date.now() - started} ms`,
  );
}

describe('Kafka broker trouble during a stream of orders', () => {
  it('when the broker drops every connection and is back 3 s later with its log, then every checkout is accepted and every order ends with the invariants held', async () => {
    await underFault('broker restart', async () => {
      const at = Date.now();
      await broker().kill();
      try {
        await pause(3000);
      } finally {
        await broker().restart();
      }
      return `broker gone for ${Date.now() - at} ms`;
    });
  });

  it('when the broker is gone for 40 s, longer than the Kafka clients retry, and comes back with its log, then every checkout is accepted and every order ends with the invariants held', async () => {
    await underFault('broker outage', async () => {
      // Only crashes of this fault count: an earlier test's would show in the same logs.
      const crashedBefore = crashLines(system().system.logDir).length;
      const at = Date.now();
      await broker().kill();
      try {
        await pause(40_000);
      } finally {
        await broker().restart();
      }
      // The clients' own retries ran out (~25 s at the chassis' settings): consumers crashed and
      // were restarted, which is the path this case is about.
      const crashed = crashLines(system().system.logDir).length - crashedBefore;
      expect(crashed).toBeGreaterThan(0);
      return `broker gone for ${Date.now() - at} ms, ${crashed} consumers gave up and restarted`;
    });
  });

  it('when the broker stops answering for 8 s (past the 6 s session timeout) and resumes, then every checkout is accepted and every order ends with the invariants held', async () => {
    await underFault('broker stall', async () => {
      const at = Date.now();
      broker().freeze();
      try {
        await pause(8000);
      } finally {
        broker().thaw();
      }
      return `broker silent for ${Date.now() - at} ms`;
    });
  });
});
