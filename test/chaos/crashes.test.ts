import { randomUUID } from 'node:crypto';
import { accepted, orderStream, pause, tally, tryCheckout, useChaosSystem } from '../support/chaos';
import { api } from '../support/http';
import { assertInvariants, levels, pollLevels, track } from '../support/invariants';
import { chargesFor, checkoutBody, placeOrder, setStock, stockOf, waitForTerminal } from '../support/saga';
import { waitFor } from '../support/wait';

// AOF on, so a Redis restart keeps what it acknowledged; short payment leases so an authorization
// cut short by a kill is resumed within seconds rather than a minute.
const system = useChaosSystem({
  appendonly: true,
  env: { PAYMENT_LEASE_MS: '5000', PAYMENT_SWEEP_INTERVAL_MS: '1000', PAYMENT_ATTEMPT_TIMEOUT_MS: '1000' },
});

const between = (lo: number, hi: number) => Math.round(lo + Math.random() * (hi - lo));

beforeAll(async () => {
  for (const p of ['sku-003', 'sku-004', 'sku-005', 'sku-006', 'sku-007', 'sku-008']) await setStock(p, 1000);
});

describe('kill -9 during a stream of orders', () => {
  it('when every service is killed at a random moment and restarted, then every accepted order ends, is audited and notified once, and the invariants hold', async () => {
    const { system: s, recorder } = system();
    const initial = await levels();
    const poller = track(pollLevels(initial));
    const started = Date.now();
    const stream = orderStream(150, 15_000);
    const kills: string[] = [];
    const restarts: Promise<void>[] = [];
    // The saga's services, and the observers and the read model, whose exactly-once the invariants check too.
    for (const [key, at] of [
      ['inventory-service', between(1500, 3000)],
      ['notification-service', between(3000, 4500)],
      ['payment-service', between(5500, 7000)],
      ['audit-service', between(7000, 8500)],
      ['inventory-cache-service', between(8500, 10_000)],
      ['checkout-service', between(10_000, 12_000)],
      ['validation-service', between(12_000, 13_500)],
    ] as const) {
      await pause(Math.max(0, started + at - Date.now()));
      await s.services.kill(key, 'SIGKILL');
      kills.push(`${key}@${Date.now() - started}ms`);
      restarts.push(s.services.restart(key));
    }
    const attempts = await stream;
    await Promise.all(restarts);
    const orderIds = accepted(attempts);
    const report = await assertInvariants({ initial, orderIds, recorded: recorder.messages });
    const polled = await poller.stop();
    // Polls that failed are skipped: with none answered, no violation could ever be seen.
    expect(polled.polls).toBeGreaterThan(0);
    expect(polled.violations).toEqual([]);
    expect(report.failures).not.toHaveProperty('GATEWAY_ERROR');
    console.log(
      `crashes: ${attempts.length} checkouts → ${JSON.stringify(tally(attempts))}; kill -9 ${kills.join(', ')}; ` +
        `terminal ${report.confirmed} CONFIRMED / ${report.failed} FAILED ${JSON.stringify(report.failures)}; ` +
        `${polled.polls} level polls; ${report.checks} invariant checks; ${Date.now() - started} ms`,
    );
  });

  it('when redis-server restarts (AOF) mid-stream, then every accepted order ends and the invariants hold', async () => {
    const { system: s, recorder } = system();
    const initial = await levels();
    const started = Date.now();
    const stream = orderStream(100, 10_000);
    await pause(between(3000, 5000));
    const restartAt = Date.now() - started;
    await s.infra.redis.restart();
    const downMs = Date.now() - started - restartAt;
    const attempts = await stream;
    const orderIds = accepted(attempts);
    const report = await assertInvariants({ initial, orderIds, recorded: recorder.messages });
    expect(report.failures).not.toHaveProperty('GATEWAY_ERROR');
    console.log(
      `redis restart: ${attempts.length} checkouts → ${JSON.stringify(tally(attempts))}; redis restarted at ${restartAt} ms (down ${downMs} ms); ` +
        `terminal ${report.confirmed} CONFIRMED / ${report.failed} FAILED ${JSON.stringify(report.failures)}; ` +
        `${report.checks} invariant checks; ${Date.now() - started} ms`,
    );
  });

  it('when redis-server stops answering (SIGSTOP) mid-stream and resumes, then checkouts answer 503 instead of hanging, readiness says redis is down, no order is placed behind a 503, and the 503 request retried with its Idempotency-Key is placed', async () => {
    const { system: s, recorder } = system();
    const initial = await levels();
    // An order with a key first, so Redis knows the key's claim script when it freezes: a claim
    // it ran late would then write (an unknown script's EVALSHA would only answer NOSCRIPT).
    const keyed = await tryCheckout(await checkoutBody([['sku-003', 1]]), { 'Idempotency-Key': randomUUID() });
    expect(keyed.status).toBe(202);
    const started = Date.now();
    const stream = orderStream(80, 8000);
    await pause(between(2000, 3000));
    const frozenAt = Date.now() - started;
    s.infra.redis.freeze();
    let during: Awaited<ReturnType<typeof tryCheckout>>;
    let readiness: { status: number; data: { checks?: Record<string, string> } };
    let answeredMs = 0;
    const body = await checkoutBody([['sku-003', 1]]);
    const key = { 'Idempotency-Key': `stall-${randomUUID()}` };
    try {
      const sent = Date.now();
      [during, readiness] = await Promise.all([
        tryCheckout(body, key).then((a) => ((answeredMs = Date.now() - sent), a)),
        api('checkout-service').get('/health/ready'),
      ]);
      await pause(Math.max(0, frozenAt + 4000 - (Date.now() - started)));
    } finally {
      s.infra.redis.thaw();
    }
    const frozenMs = Date.now() - started - frozenAt;
    expect(during.status).toBe(503);
    expect(during.code).toBe('DEPENDENCY_UNAVAILABLE');
    expect(readiness.status).toBe(503);
    expect(readiness.data.checks?.redis).toBe('down');
    await waitFor(async () => (await api('checkout-service').get('/health/ready')).status === 200, {
      what: 'checkout ready again',
    });
    // The client retries the 503 with its key: the key's claim, which the frozen server ran after
    // the request gave up, wrote nothing, so the retry is placed now rather than held at 409 (30 s).
    const retried = await tryCheckout(body, key);
    expect(retried.status).toBe(202);
    const attempts = await stream;
    // Every checkout ended one of two clean ways: accepted, or refused for now with nothing done.
    expect(attempts.filter((a) => a.status !== 202 && a.code !== 'DEPENDENCY_UNAVAILABLE')).toEqual([]);
    const orderIds = [keyed.orderId!, ...accepted(attempts), retried.orderId!];
    // exactStock: sold grows by exactly what the 202s confirmed, so an order placed behind a 503
    // would show. (A write queued when Redis froze is rare here, since requests mostly stall on
    // earlier steps; checkout.test.ts runs one past its deadline on purpose.)
    const report = await assertInvariants({ initial, orderIds, recorded: recorder.messages, exactStock: true });
    expect(report.failures).not.toHaveProperty('GATEWAY_ERROR');
    console.log(
      `redis stall: ${attempts.length} checkouts → ${JSON.stringify(tally(attempts))}; frozen at ${frozenAt} ms for ${frozenMs} ms, a checkout sent then answered ${during.status} after ${answeredMs} ms; ` +
        `terminal ${report.confirmed} CONFIRMED / ${report.failed} FAILED ${JSON.stringify(report.failures)}; ` +
        `${report.checks} invariant checks; ${Date.now() - started} ms`,
    );
  });
});

// Last in this file: it rolls every service's data back to before its order.
describe('Redis loses its last writes', () => {
  it('when a confirmed order is lost from Redis and the client sends its request again with the same Idempotency-Key, then it gets that same order, charged once, its stock taken once', async () => {
    const { system: s } = system();
    const product = 'sku-008';
    const before = await stockOf(product);
    s.infra.redis.checkpoint();
    const key = randomUUID();
    const body = await checkoutBody([[product, 2]]);
    const orderId = (await placeOrder(body, { 'Idempotency-Key': key })).data.orderId as string;
    const first = await waitForTerminal(orderId);
    expect(first.status).toBe('CONFIRMED');

    // Every service's record of the order goes; the gateway, an outside system, keeps its charge.
    const rolledBackAt = Date.now();
    await s.infra.redis.rollBack();
    await waitFor(async () => (await api('checkout-service').get(`/orders/${orderId}`)).status === 404, {
      what: 'checkout to answer from the rolled-back data',
    });
    // Each service reconnects on its own backoff (up to 1 s apart): until inventory's has, it answers 503.
    await waitFor(async () => (await api('inventory-service').get(`/inventory/${product}`)).status === 200, {
      what: 'inventory-service to answer from the rolled-back data',
    });
    expect(await stockOf(product)).toEqual(before);

    // A client whose 202 never reached it (a timeout, a dropped connection) sends the request again.
    const retry = await waitFor(
      async () => {
        const res = await api('checkout-service').post('/checkout', body, { headers: { 'Idempotency-Key': key } });
        return res.status === 503 ? undefined : res;
      },
      { what: 'checkout to take orders again' },
    );
    expect(retry.status).toBe(202);
    expect(retry.headers['idempotent-replayed']).toBeUndefined(); // nothing was left to replay
    expect(retry.data.orderId).toBe(orderId);
    const again = await waitForTerminal(orderId);
    expect(again.status).toBe('CONFIRMED');
    expect(again.paymentId).toBe(first.paymentId); // the gateway replayed its first charge
    expect(await chargesFor(orderId)).toHaveLength(1);
    const after = await stockOf(product);
    expect(after).toMatchObject({
      available: before.available - 2,
      reserved: before.reserved,
      sold: before.sold + 2,
    });
    console.log(
      `redis rollback: order ${orderId} lost and placed again by the client's retry, CONFIRMED with ${first.paymentId} ` +
        `${Date.now() - rolledBackAt} ms after the rollback; 1 charge at the gateway`,
    );
  });
});
