import { accepted, pool, tally, tryCheckout, type ChaosContext } from '../support/chaos';
import { assertInvariants, levels, pollLevels, track } from '../support/invariants';
import { checkoutBody, setStock } from '../support/saga';

/**
 * 200 checkouts at once for 50 units of sku-001; two in five carts also take 2 of sku-002 (40
 * units), so all-or-nothing reservations across products race too. Every order pays with
 * tok_visa: nothing is released, so exactly the 50 units must sell.
 */
export async function contestedStock(label: string, ctx: ChaosContext) {
  // With several checkout instances, the requests take turns among them.
  const checkouts = [...ctx.system.services.processes.entries()]
    .filter(([key]) => key.split('#')[0] === 'checkout-service')
    .map(([, p]) => p.url);
  const checkoutFor = (i: number) => checkouts[i % checkouts.length];
  await setStock('sku-001', 50);
  await setStock('sku-002', 40);
  const initial = await levels();
  const bodies = await pool(
    Array.from({ length: 200 }, (_, i) => i),
    20,
    (i) =>
      checkoutBody(
        i % 5 < 3
          ? [['sku-001', 1]]
          : [
              ['sku-001', 1],
              ['sku-002', 2],
            ],
      ),
  );
  const poller = track(pollLevels(initial));
  const started = Date.now();
  const attempts = await Promise.all(bodies.map((b, i) => tryCheckout(b, {}, checkoutFor(i))));
  // A burst this size on 2 cores can time out validation's call to the cache: checkout sheds the
  // request with 503 DEPENDENCY_UNAVAILABLE and emits nothing, so a client simply sends it again.
  let shed = 0;
  for (let round = 0; round < 10; round++) {
    const again = attempts.flatMap((a, i) => (a.status === 503 ? [i] : []));
    if (again.length === 0) break;
    shed += again.length;
    await pool(again, 10, async (i) => (attempts[i] = await tryCheckout(bodies[i], {}, checkoutFor(i))));
  }
  const orderIds = accepted(attempts);
  const report = await assertInvariants({ initial, orderIds, recorded: ctx.recorder.messages, exactStock: true });
  const durationMs = Date.now() - started;
  const polled = await poller.stop();
  // Polls that failed are skipped: with none answered, no violation could ever be seen.
  expect(polled.polls).toBeGreaterThan(0);
  expect(polled.violations).toEqual([]);

  const after = await levels();
  expect(after['sku-001']!.sold - initial['sku-001']!.sold).toBe(50);
  expect(after['sku-001']).toMatchObject({ available: 0, reserved: 0 });
  expect(after['sku-002']!.available).toBeGreaterThanOrEqual(0);
  expect(report.confirmed).toBe(50);
  // Anything else the checkout answered is a clean refusal, never a server error.
  expect(attempts.every((a) => a.status === 202 || a.status === 422)).toBe(true);
  console.log(
    `${label}: ${attempts.length} checkouts for 50 units → ${JSON.stringify(tally(attempts))}; ` +
      `terminal ${report.confirmed} CONFIRMED / ${report.failed} FAILED ${JSON.stringify(report.failures)}; ` +
      `${shed} shed with 503 and sent again; sku-001 sold ${after['sku-001']!.sold - initial['sku-001']!.sold}, sku-002 sold ${after['sku-002']!.sold - initial['sku-002']!.sold}; ` +
      `${polled.polls} level polls (min available ${JSON.stringify({ 'sku-001': polled.minAvailable['sku-001'], 'sku-002': polled.minAvailable['sku-002'] })}); ` +
      `${report.checks} invariant checks; ${durationMs} ms`,
  );
}
