import { accepted, orderStream, pause, tally, useChaosSystem, type Attempt } from '../support/chaos';
import { assertInvariants, levels, type InvariantReport } from '../support/invariants';
import { gatewayAttempts, gatewayControl, setStock } from '../support/saga';

const MAX_RETRIES = 5;
const system = useChaosSystem({
  env: { PAYMENT_ATTEMPT_TIMEOUT_MS: '500', PAYMENT_MAX_RETRIES: String(MAX_RETRIES) },
});

beforeAll(async () => {
  for (const p of ['sku-003', 'sku-004', 'sku-005', 'sku-006', 'sku-007', 'sku-008']) await setStock(p, 1000);
});
afterEach(() => gatewayControl({ reset: true }));

/** Runs a stream of orders while `fault` plays out, then checks the invariants and the retry budget. */
async function underFault(label: string, orders: number, overMs: number, fault: () => Promise<string>) {
  const { recorder } = system();
  const initial = await levels();
  const started = Date.now();
  const stream = orderStream(orders, overMs);
  const injected = await fault();
  const attempts: Attempt[] = await stream;
  const orderIds = accepted(attempts);
  expect(orderIds).toHaveLength(orders);
  const report: InvariantReport = await assertInvariants({
    initial,
    orderIds,
    recorded: recorder.messages,
    exactStock: true,
  });
  // Failures are clean ones: the card's own decline, or the gateway given up on within the budget.
  expect(
    Object.keys(report.failures).every((c) =>
      ['INSUFFICIENT_FUNDS', 'GATEWAY_ERROR', 'RESERVATION_EXPIRED'].includes(c),
    ),
  ).toBe(true);
  // What the gateway saw: every attempt's outcome, and how many orders needed more than one.
  let maxAttempts = 0;
  let retried = 0;
  const outcomes: Record<string, number> = {};
  for (const id of orderIds) {
    const seen = await gatewayAttempts(id);
    maxAttempts = Math.max(maxAttempts, seen.length);
    if (seen.length > 1) retried++;
    for (const a of seen) outcomes[a.outcome] = (outcomes[a.outcome] ?? 0) + 1;
  }
  expect(maxAttempts).toBeLessThanOrEqual(MAX_RETRIES + 1);
  console.log(
    `${label}: ${JSON.stringify(tally(attempts))}; fault: ${injected}; terminal ${report.confirmed} CONFIRMED / ${report.failed} FAILED ` +
      `${JSON.stringify(report.failures)}; gateway attempts ${JSON.stringify(outcomes)}, ${retried} orders retried, at most ${maxAttempts} per order; ${report.checks} invariant checks; ${Date.now() - started} ms`,
  );
  return { report, outcomes, retried };
}

describe('payment gateway trouble', () => {
  it("when the gateway answers slower than the per-attempt timeout for a while, then each order is charged once or fails cleanly (GATEWAY_ERROR, RESERVATION_EXPIRED, or the card's own decline) with its stock back", async () => {
    const { report, outcomes, retried } = await underFault('gateway latency', 20, 2000, async () => {
      await gatewayControl({ latencyMs: 800 });
      await pause(2500);
      await gatewayControl({ latencyMs: 0 });
      return 'latency 800 ms (timeout 500 ms) for 2.5 s';
    });
    expect(report.orders).toBe(20);
    // The fault fired: attempts outlived the timeout and were dropped at the gateway, then retried.
    expect(outcomes.dropped ?? 0).toBeGreaterThan(0);
    expect(retried).toBeGreaterThan(0);
  });

  it('when the gateway answers a burst of 503s, then retries with backoff confirm the orders with one charge each', async () => {
    const { report, outcomes, retried } = await underFault('gateway 503 burst', 20, 1000, async () => {
      await gatewayControl({ failNext: 40 });
      return 'next 40 charges answer 503';
    });
    expect(report.failures).not.toHaveProperty('RESERVATION_EXPIRED');
    // The fault fired: the gateway answered 503s and the orders they hit were tried again.
    expect(outcomes.unavailable ?? 0).toBeGreaterThan(0);
    expect(retried).toBeGreaterThan(0);
  });

  it('when the gateway is down for 10 seconds, then orders in the outage fail cleanly and the ones after it confirm', async () => {
    const { report } = await underFault('gateway outage', 40, 14_000, async () => {
      await pause(1000);
      await gatewayControl({ failRate: 1 });
      await pause(10_000);
      await gatewayControl({ failRate: 0 });
      return 'every charge 503 from 1 s to 11 s';
    });
    expect(report.failures.GATEWAY_ERROR ?? 0).toBeGreaterThan(0);
    expect(report.confirmed).toBeGreaterThan(0);
  });
});
