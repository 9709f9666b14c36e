import http from 'node:http';
import { accepted, orderStream, pause, tally, useChaosSystem, type System } from '../support/chaos';
import { assertInvariants, levels } from '../support/invariants';
import { setStock } from '../support/saga';
import { waitFor } from '../support/wait';

const system = useChaosSystem();

/** Orders accepted before SIGTERM is sent (of the 80 the stream sends over 8 s). */
const IN_FLIGHT = 20;

beforeAll(async () => {
  for (const p of ['sku-003', 'sku-004', 'sku-005', 'sku-006', 'sku-007', 'sku-008']) await setStock(p, 1000);
});

/** One readiness probe on a fresh connection, as a load balancer makes it: a status, or 'refused'. */
const probe = (url: string) =>
  new Promise<string>((resolve) => {
    const req = http.get(`${url}/health/ready`, { agent: false, timeout: 1000 }, (res) => {
      res.resume();
      resolve(String(res.statusCode));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve('refused'));
  });

/**
 * Sends SIGTERM and probes readiness from that moment until the process exits. Returns the exit
 * code, how long it took, and how many probes saw each answer.
 */
async function sigterm(s: System, key: string) {
  const p = s.services.processes.get(key)!;
  const exited = new Promise<number | null>((resolve) => p.child.once('exit', (code) => resolve(code)));
  let done = false;
  void exited.then(() => (done = true));
  const t0 = Date.now();
  p.child.kill('SIGTERM');
  const timeline: { answer: string; at: number }[] = [];
  while (!done) {
    const answer = await probe(p.url);
    if (done && answer === 'refused') break;
    timeline.push({ answer, at: Date.now() - t0 });
    await pause(5);
  }
  const code = await exited;
  const probes: Record<string, number> = {};
  for (const t of timeline) probes[t.answer] = (probes[t.answer] ?? 0) + 1;
  // A probe racing the signal itself may still be answered 200 (the process had not run its
  // handler yet); once one probe saw the shutdown, none may see the service ready again.
  const firstDown = timeline.findIndex((t) => t.answer !== '200');
  const readyAfterDown =
    firstDown < 0 ? timeline.length : timeline.slice(firstDown).filter((t) => t.answer === '200').length;
  const racing = timeline.slice(0, firstDown < 0 ? timeline.length : firstDown);
  return { code, ms: Date.now() - t0, probes, readyAfterDown, racing };
}

describe.each(['checkout-service', 'inventory-service'])('SIGTERM to %s under load', (key) => {
  it('when SIGTERM arrives with orders in flight, then readiness answers 503 and never 200 again, it exits 0 within 10 s, and every accepted order ends after a restart', async () => {
    const { system: s, recorder } = system();
    const initial = await levels();
    const started = Date.now();
    // The recorder holds the earlier run's orders too: count from here.
    const createdBefore = recorder.events('order.created').length;
    const stream = orderStream(80, 8000);
    // Orders in flight: some accepted (order.created on Kafka), more still to come.
    await waitFor(() => recorder.events('order.created').length - createdBefore >= IN_FLIGHT, {
      timeoutMs: 15_000,
      what: `${IN_FLIGHT} order.created events before SIGTERM`,
    });
    const stopped = await sigterm(s, key);
    await s.services.restart(key);
    const attempts = await stream;
    const orderIds = accepted(attempts);
    const report = await assertInvariants({ initial, orderIds, recorded: recorder.messages, exactStock: true });
    expect(stopped.code).toBe(0);
    expect(stopped.ms).toBeLessThan(10_000);
    expect(stopped.readyAfterDown).toBe(0);
    expect(stopped.probes['503']).toBeGreaterThan(0);
    expect(stopped.racing.every((t) => t.at < 100)).toBe(true);
    console.log(
      `shutdown ${key}: ${JSON.stringify(tally(attempts))}; SIGTERM → exit ${stopped.code} after ${stopped.ms} ms, readiness probes ${JSON.stringify(stopped.probes)} (200s racing the signal: ${JSON.stringify(stopped.racing)}); ` +
        `terminal ${report.confirmed} CONFIRMED / ${report.failed} FAILED; ${report.checks} invariant checks; ${Date.now() - started} ms`,
    );
  });
});
