import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { ADMIN_TOKEN, gatewayApp } from '../../payment-gateway-mock/test/harness';
import { createEvent } from '@checkout/contracts';
import { metricValue } from '../../test/support/metrics';
import { startRig, waitFor, type Rig } from '../../test/support';
import { ChargeInterruptedError } from '../src/clients/charge-errors';
import { createGatewayClient, type GatewayClient } from '../src/clients/gateway-client';
import type { AuthorizationResult } from '../src/domain/authorization';
import { RecoverySweeper } from '../src/jobs/recovery-sweeper';
import { PaymentStore } from '../src/store/payment-store';
import { PaymentAuthorizer } from '../src/usecases/authorize-payment';

/**
 * The claim's lease against a slow gateway, with the real gateway mock (it decides a charge after
 * its latency unless the client hung up), the real store, authorizer and sweeper on the run's Redis.
 */
let rig: Rig;
let server: Server;
let gatewayUrl: string;
const running: { authorizer: PaymentAuthorizer; sweeper: RecoverySweeper }[] = [];

beforeAll(async () => {
  rig = await startRig('payment-service');
  server = await new Promise((resolve) => {
    const s = gatewayApp().listen(0, '127.0.0.1', () => resolve(s));
  });
  gatewayUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  for (const { authorizer, sweeper } of running) {
    await sweeper.stop();
    await authorizer.drain();
  }
  await rig?.stop();
  server?.closeAllConnections();
  await new Promise((r) => server?.close(r));
});

const control = async (body: object) => {
  const res = await fetch(`${gatewayUrl}/_control`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN_TOKEN}` },
    body: JSON.stringify(body),
  });
  expect(res.status).toBe(200);
};
const authorizedCharges = async (orderId: string) =>
  (
    (await (await fetch(`${gatewayUrl}/v1/charges?orderId=${orderId}`)).json()) as { items: { status: string }[] }
  ).items.filter((c) => c.status === 'authorized');

const authorizerOf = (store: PaymentStore, gateway: GatewayClient, leaseMs: number) =>
  new PaymentAuthorizer({ store, gateway, outbox: rig.outbox, logger: rig.logger, metrics: rig.metrics, leaseMs });

function startWorker(store: PaymentStore, leaseMs: number, client: Partial<Parameters<typeof createGatewayClient>[0]>) {
  const gateway = createGatewayClient({
    baseURL: gatewayUrl,
    maxRetries: 3,
    attemptTimeoutMs: 1500,
    backoffBaseMs: 100,
    random: () => 0,
    ...client,
  });
  const authorizer = authorizerOf(store, gateway, leaseMs);
  const sweeper = new RecoverySweeper(store, authorizer, rig.logger, 100, 200);
  sweeper.start();
  running.push({ authorizer, sweeper });
  return authorizer;
}

async function claimed(store: PaymentStore, expiresInMs: number, leaseMs: number) {
  const orderId = `ord_${randomUUID()}`;
  const correlationId = randomUUID();
  await store.recordOrder({ orderId, amount: 1500, currency: 'USD', token: 'tok_visa', correlationId }, leaseMs);
  const claim = await store.recordReservation(
    { orderId, expiresAt: new Date(Date.now() + expiresInMs).toISOString(), correlationId },
    leaseMs,
  );
  expect(claim).toBeDefined();
  return claim!;
}

/**
 * A claimed payment failed RESERVATION_EXPIRED, as a resumed claim fails one whose gateway lists no
 * charge yet; with `recheckAt`, listed for its recheck then.
 */
async function failedByResumedClaim(store: PaymentStore, { recheckAt }: { recheckAt?: number } = {}) {
  const claim = await claimed(store, 60_000, 60_000);
  const failure = { ok: false as const, code: 'RESERVATION_EXPIRED' as const, reason: 'expired', attempts: 0 };
  const event = createEvent(
    'payment.failed',
    { orderId: claim.orderId, code: failure.code, reason: failure.reason, attempts: 0 },
    { source: '/test', correlationId: claim.correlationId },
  );
  expect(await store.complete(claim, failure, event, { recheckAt })).toBe('written');
  return claim;
}

/** A gateway that authorized the order's charge after the payment failed: it lists 'ch_late'. */
const lateCharge: GatewayClient = {
  authorize: async () => ({ ok: true, paymentId: 'ch_late', attempts: 1 }),
  charged: async () => 'ch_late',
};

const decided = (store: PaymentStore, orderId: string) =>
  waitFor(
    async () => {
      const p = await store.get(orderId);
      return p && (p.status === 'AUTHORIZED' || p.status === 'FAILED') ? p : undefined;
    },
    { timeoutMs: 15_000, what: 'the payment to be decided' },
  );

it('when an authorization outlasts its lease (a 503, then a slow attempt), then each retry renews the lease and the sweeper leaves the charge to its worker', async () => {
  // One attempt (1.2 s) fits in the 2 s lease, the two do not: attempt 2 starts at ~1.3 s and is
  // decided at ~2.5 s. Without the renewal the sweeper resumed the claim at 2 s, past expiresAt
  // (1.5 s), asked the gateway, found nothing decided yet and failed the payment RESERVATION_EXPIRED
  // while attempt 2 went on to charge the customer.
  const store = new PaymentStore(rig.redis, rig.outbox, rig.prefix);
  const authorizer = startWorker(store, 2000, {});
  await control({ latencyMs: 1200, failNext: 1 });
  const claim = await claimed(store, 1500, 2000);
  authorizer.start(claim);

  const payment = await decided(store, claim.orderId);
  await control({ latencyMs: 0 });
  expect(payment).toMatchObject({ status: 'AUTHORIZED', attempts: 2 });
  expect(await authorizedCharges(claim.orderId)).toHaveLength(1);
});

it('when Redis does not answer the renewal before a retry (a short stall), then the renewal is tried again and the same worker charges, without waiting out its lease', async () => {
  const store = new PaymentStore(rig.redis, rig.outbox, rig.prefix);
  let stalled = 2;
  const stalling = Object.assign(Object.create(store) as PaymentStore, {
    hold: (...args: Parameters<PaymentStore['hold']>) =>
      stalled-- > 0 ? Promise.reject(new Error('Command timed out')) : store.hold(...args),
  });
  const authorizer = startWorker(stalling, 10_000, {});
  await control({ failNext: 1 });
  const claim = await claimed(store, 60_000, 10_000);
  authorizer.start(claim);

  // Its own second attempt: a claim resumed by the sweeper (after the 10 s lease) would count one.
  expect(await decided(store, claim.orderId)).toMatchObject({ status: 'AUTHORIZED', attempts: 2 });
  expect(stalled).toBeLessThan(0);
  expect(await authorizedCharges(claim.orderId)).toHaveLength(1);
});

it('when a worker pauses past its lease mid-attempt and the resumed claim fails the payment first, then the charge it then gets is counted and logged for a refund', async () => {
  // What the renewal cannot prevent: the attempt is already at the gateway (1.2 s to decide) when
  // the lease (300 ms) runs out; the sweeper resumes the claim past expiresAt, the gateway has not
  // decided yet, so the payment fails RESERVATION_EXPIRED. The first worker's charge is then
  // authorized: a FAILED order holding a charge, which only an operator can refund.
  const store = new PaymentStore(rig.redis, rig.outbox, rig.prefix);
  const authorizer = startWorker(store, 300, { maxRetries: 0 });
  await control({ latencyMs: 1200 });
  const stranded = async () => metricValue(await rig.metrics.registry.metrics(), 'payment_stranded_charges_total');
  const before = await stranded();
  const claim = await claimed(store, 200, 300);
  authorizer.start(claim);

  expect(await decided(store, claim.orderId)).toMatchObject({ status: 'FAILED', code: 'RESERVATION_EXPIRED' });
  await waitFor(async () => (await stranded()) === before + 1, {
    timeoutMs: 5000,
    what: 'the stranded charge to be counted',
  });
  await control({ latencyMs: 0 });
  expect(await authorizedCharges(claim.orderId)).toHaveLength(1);
});

it('when a worker died with its attempt still undecided at the gateway and the resumed claim failed the payment, then the charge the gateway decides later is found on a recheck a lease later, counted and logged for a refund', async () => {
  // The dead worker's request stays open at the gateway (a real one finishes what it received),
  // which decides it after 1.5 s: after the claim's lease (1 s) ran out and the resumed claim,
  // past expiresAt, found no charge and failed the payment. No worker is left to hear of the charge.
  const store = new PaymentStore(rig.redis, rig.outbox, `${rig.prefix}-late`);
  await control({ latencyMs: 1500 });
  const stranded = async () => metricValue(await rig.metrics.registry.metrics(), 'payment_stranded_charges_total');
  const before = await stranded();
  const claim = await claimed(store, 200, 1000);
  const deadWorkersAttempt = fetch(`${gatewayUrl}/v1/charges`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'idempotency-key': claim.orderId },
    body: JSON.stringify({
      amount: claim.amount,
      currency: claim.currency,
      source: claim.token,
      orderId: claim.orderId,
    }),
  });
  startWorker(store, 1000, { maxRetries: 0 });

  expect(await decided(store, claim.orderId)).toMatchObject({ status: 'FAILED', code: 'RESERVATION_EXPIRED' });
  expect((await deadWorkersAttempt).status).toBe(201);
  await waitFor(async () => (await stranded()) === before + 1, {
    timeoutMs: 5000,
    what: 'the recheck to count the late charge',
  });
  await control({ latencyMs: 0 });
  expect(await authorizedCharges(claim.orderId)).toHaveLength(1);
  expect(await rig.redis.zscore(`${rig.prefix}-late:recheck`, claim.orderId)).toBeNull();
});

it('when a late charge is reported by several at once (two instances rechecking, the paused worker hearing of it), then it is counted and logged once', async () => {
  const store = new PaymentStore(rig.redis, rig.outbox, `${rig.prefix}-once`);
  const stranded = async () => metricValue(await rig.metrics.registry.metrics(), 'payment_stranded_charges_total');
  const before = await stranded();
  const claim = await failedByResumedClaim(store, { recheckAt: Date.now() });
  const [one, two] = [authorizerOf(store, lateCharge, 60_000), authorizerOf(store, lateCharge, 60_000)];
  const sweeperOf = (authorizer: PaymentAuthorizer) => new RecoverySweeper(store, authorizer, rig.logger, 60_000);
  // Both instances' gateway checks at once, then the paused worker (its claim long lost) running its charge to the end.
  await Promise.all([sweeperOf(one).askGatewayOnce(), sweeperOf(two).askGatewayOnce()]);
  expect(await stranded()).toBe(before + 1);
  await one.authorize(claim);
  expect(await stranded()).toBe(before + 1);
  expect(await rig.redis.zscore(`${rig.prefix}-once:recheck`, claim.orderId)).toBeNull();
});

it('when the gateway does not answer a question of the sweeper, then claims are still resumed, and stopping abandons the question', async () => {
  const store = new PaymentStore(rig.redis, rig.outbox, `${rig.prefix}-hung`);
  // A look-up that never answers unless abandoned.
  let asked = false;
  const gateway: GatewayClient = {
    authorize: async () => ({ ok: true, paymentId: 'ch_resumed', attempts: 1 }),
    charged: (_orderId, _ctx, signal) => {
      asked = true;
      return new Promise((_resolve, reject) =>
        signal?.addEventListener('abort', () => reject(new ChargeInterruptedError('abandoned'))),
      );
    },
  };
  const expired = new Date(Date.now() - 1000).toISOString();
  await store.recordReservation({ orderId: `ord_${randomUUID()}`, expiresAt: expired, correlationId: 'c' }, 60_000);
  const sweeper = new RecoverySweeper(store, authorizerOf(store, gateway, 60_000), rig.logger, 100, 60_000);
  sweeper.start();
  try {
    await waitFor(() => asked, { what: 'the sweeper to ask about the expired reservation' });
    // A worker died mid-charge (its lease is over) while the question about the reservation hangs.
    const claim = await claimed(store, 60_000, -1);
    expect(await decided(store, claim.orderId)).toMatchObject({ status: 'AUTHORIZED', paymentId: 'ch_resumed' });
  } finally {
    await sweeper.stop();
  }
});

it("when Redis loses the answer to a recheck's report, then the next pass reports the charge: never skipped", async () => {
  class LosesFirstAnswer extends PaymentStore {
    private lost = false;
    override async reportStrayCharge(...args: Parameters<PaymentStore['reportStrayCharge']>) {
      const answer = await super.reportStrayCharge(...args);
      if (this.lost) return answer;
      this.lost = true;
      throw new Error('Command timed out');
    }
  }
  const store = new LosesFirstAnswer(rig.redis, rig.outbox, `${rig.prefix}-lost-answer`);
  const stranded = async () => metricValue(await rig.metrics.registry.metrics(), 'payment_stranded_charges_total');
  const before = await stranded();
  const claim = await failedByResumedClaim(store, { recheckAt: Date.now() });
  // Questions held 0 ms: the next pass takes the entry again at once.
  const sweeper = new RecoverySweeper(store, authorizerOf(store, lateCharge, 60_000), rig.logger, 60_000, 0);
  await expect(sweeper.askGatewayOnce()).rejects.toThrow('Command timed out');
  expect(await stranded()).toBe(before);
  await sweeper.askGatewayOnce();
  expect(await stranded()).toBe(before + 1);
  expect(await rig.redis.zscore(`${rig.prefix}-lost-answer:recheck`, claim.orderId)).toBeNull();
});

it('when the answer to a report is lost and the reporter asks again, then it is answered the same: the charge is still reported, by it alone', async () => {
  const store = new PaymentStore(rig.redis, rig.outbox, `${rig.prefix}-resend`);
  const claim = await failedByResumedClaim(store);
  expect(await store.reportStrayCharge(claim.orderId, 'ch_late', 'recheck')).toEqual({ status: 'FAILED', first: true });
  expect(await store.reportStrayCharge(claim.orderId, 'ch_late', 'recheck')).toEqual({ status: 'FAILED', first: true });
  expect(await store.reportStrayCharge(claim.orderId, 'ch_late', claim.owner)).toEqual({
    status: 'FAILED',
    first: false,
  });
});

it('when a worker died after the gateway charged and the gateway then refuses every charge, then the resumed payment finds that charge: AUTHORIZED, not GATEWAY_ERROR', async () => {
  // The charge went through at the gateway; the worker died before recording it. The gateway then
  // answers 503 to every charge (down), before it looks at the key, so the resumed attempts never
  // see the first decision replayed. Failing GATEWAY_ERROR released the stock of a paid order.
  const store = new PaymentStore(rig.redis, rig.outbox, rig.prefix);
  startWorker(store, 200, { maxRetries: 2, backoffBaseMs: 20 });
  const claim = await claimed(store, 60_000, 60_000);
  const first = await fetch(`${gatewayUrl}/v1/charges`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'idempotency-key': claim.orderId },
    body: JSON.stringify({ amount: 1500, currency: 'USD', source: 'tok_visa', orderId: claim.orderId }),
  });
  expect(first.status).toBe(201);
  await control({ failRate: 1 });
  // The dead worker's lease ends: the sweeper resumes the claim.
  expect(await store.hold(claim, 0)).toBe(true);
  try {
    expect(await decided(store, claim.orderId)).toMatchObject({ status: 'AUTHORIZED' });
  } finally {
    await control({ failRate: 0 });
  }
  expect(await authorizedCharges(claim.orderId)).toHaveLength(1);
});

it('when the worker that lost the claim gets its charge authorized while the one that resumed it is still deciding, then that charge stands: AUTHORIZED, not FAILED', async () => {
  // Its own keys, out of reach of the sweepers the cases above left running.
  const store = new PaymentStore(rig.redis, rig.outbox, `${rig.prefix}-stray`);
  const gated = (result: AuthorizationResult) => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const gateway: GatewayClient = { authorize: async () => (await gate, result), charged: async () => undefined };
    return { authorizer: authorizerOf(store, gateway, 60_000), release };
  };
  const stranded = async () => metricValue(await rig.metrics.registry.metrics(), 'payment_stranded_charges_total');
  const strandedBefore = await stranded();

  const first = await claimed(store, 60_000, 50);
  // The first worker's lease runs out (it paused): the claim is resumed by a second one.
  const [second] = await waitFor(
    async () => {
      const resumed = await store.reclaimExpired(60_000);
      return resumed.length > 0 ? resumed : undefined;
    },
    { what: 'the claim to be resumed' },
  );
  const a = gated({ ok: true, paymentId: 'ch_first', attempts: 1 });
  const b = gated({ ok: false, code: 'RESERVATION_EXPIRED', reason: 'expired, no charge found', attempts: 0 });
  const running = [a.authorizer.authorize(first), b.authorizer.authorize(second!)];
  a.release(); // the first worker's attempt is authorized while the second still decides
  await running[0];
  b.release(); // the second decides it found no charge
  await running[1];

  expect(await store.get(first.orderId)).toMatchObject({ status: 'AUTHORIZED', paymentId: 'ch_first' });
  expect(await stranded()).toBe(strandedBefore);
});

it('when the sweeper resumes a claim whose lease ran out, then the resumed claim gets a full lease of its own, so the next sweeps leave it to its new worker', async () => {
  // A resumed claim due again at once would be resumed on every sweep (every 5 s, or 100 ms here),
  // each time by another worker starting the same charge: only the gateway's idempotency key
  // would stand between that and a double charge. A prefix of its own: the sweepers the earlier
  // tests started (every 100 ms, until the file ends) would otherwise resume this claim first.
  const store = new PaymentStore(rig.redis, rig.outbox, `${rig.prefix}-resume`);
  const claim = await claimed(store, 60_000, -1);
  const before = Date.now();
  const resumed = (await store.reclaimExpired(2000)).filter((c) => c.orderId === claim.orderId);
  expect(resumed).toEqual([expect.objectContaining({ orderId: claim.orderId, resumed: true })]);
  expect(resumed[0]!.owner).not.toBe(claim.owner);
  const due = Number(await rig.redis.zscore(`${rig.prefix}-resume:processing`, claim.orderId));
  expect(due).toBeGreaterThanOrEqual(before + 2000);
  expect((await store.reclaimExpired(2000)).map((c) => c.orderId)).not.toContain(claim.orderId);
});

it('when the gateway authorizes a charge whose payment record Redis lost meanwhile, then it is reported for a refund, not dropped in silence', async () => {
  const store = new PaymentStore(rig.redis, rig.outbox, `${rig.prefix}-lost`);
  const stranded = async () => metricValue(await rig.metrics.registry.metrics(), 'payment_stranded_charges_total');
  const before = await stranded();
  const claim = await claimed(store, 60_000, 60_000);
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const gateway: GatewayClient = {
    authorize: async () => (await gate, { ok: true, paymentId: 'ch_lost', attempts: 1 }),
    charged: async () => undefined,
  };
  const running = authorizerOf(store, gateway, 60_000).authorize(claim);
  // Redis loses the record while the charge is at the gateway (a restart without its last writes).
  await rig.redis.del(`${rig.prefix}-lost:payments:${claim.orderId}`);
  release();
  await running;
  expect(await store.get(claim.orderId)).toBeUndefined();
  expect(await stranded()).toBe(before + 1);
});
