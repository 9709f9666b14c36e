import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { ADMIN_TOKEN, gatewayApp } from '../../payment-gateway-mock/test/harness';
import { startRig, waitFor, type Rig } from '../../test/support';
import { createGatewayClient, type GatewayClient } from '../src/clients/gateway-client';
import type { AuthorizationResult } from '../src/domain/authorization';
import type { Claim } from '../src/domain/payment';
import { GatewayQuestionsJob } from '../src/jobs/gateway-questions-job';
import { RecoverySweeper } from '../src/jobs/recovery-sweeper';
import { paymentKeys } from '../src/store/payment-keys';
import { PaymentStore } from '../src/store/payment-store';
import { PaymentAuthorizer } from '../src/usecases/authorize-payment';
import { GatewayQuestions } from '../src/usecases/gateway-questions';
import { outcomeEvent } from '../src/usecases/payment-events';
import { StrandedCharges } from '../src/usecases/stranded-charges';
import { claimed, decided, strandedCount } from './claims';

/**
 * The claim's lease against a slow gateway, with the real gateway mock (it decides a charge after
 * its latency unless the client hung up), the real store, authorizer and sweeper on the run's Redis.
 */
let rig: Rig;
let server: Server;
let gatewayUrl: string;
const running: { authorizer: PaymentAuthorizer; jobs: { stop(): Promise<void> }[] }[] = [];

beforeAll(async () => {
  rig = await startRig('payment-service');
  server = await new Promise((resolve) => {
    const s = gatewayApp().listen(0, '127.0.0.1', () => resolve(s));
  });
  gatewayUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  for (const { authorizer, jobs } of running) {
    for (const job of jobs) await job.stop();
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
  new PaymentAuthorizer({
    store,
    gateway,
    outbox: rig.outbox,
    logger: rig.logger,
    stranded: new StrandedCharges(rig.metrics, rig.logger),
    leaseMs,
  });

type ClientOptions = Partial<Parameters<typeof createGatewayClient>[0]>;
/** A gateway client on the mock: 3 retries, 1.5 s attempts, 100 ms backoff without jitter, unless `over` says otherwise. */
const gatewayClient = (over: ClientOptions) =>
  createGatewayClient({
    baseURL: gatewayUrl,
    maxRetries: 3,
    attemptTimeoutMs: 1500,
    backoffBaseMs: 100,
    random: () => 0,
    ...over,
  });

function startWorker(store: PaymentStore, leaseMs: number, client: ClientOptions) {
  const gateway = gatewayClient(client);
  const authorizer = authorizerOf(store, gateway, leaseMs);
  const sweeper = new RecoverySweeper(store, authorizer, rig.logger, 100);
  const stranded = new StrandedCharges(rig.metrics, rig.logger);
  const questions = new GatewayQuestionsJob({
    store,
    questions: new GatewayQuestions({ store, gateway, stranded, logger: rig.logger }),
    logger: rig.logger,
    intervalMs: 100,
    holdMs: 200,
  });
  sweeper.start();
  questions.start();
  running.push({ authorizer, jobs: [sweeper, questions] });
  return authorizer;
}

it('when an authorization outlasts its lease (a 503, then a slow attempt), then each retry renews the lease and the sweeper leaves the charge to its worker', async () => {
  // One attempt (2 s) fits in the 3.4 s lease, the two do not: attempt 2 starts at ~2.1 s and is
  // decided at ~4.1 s. Without the renewal the sweeper resumed the claim at 3.4 s, past expiresAt
  // (3.3 s: attempt 2 must start before it, 1.2 s of room for a busy machine; 0.6 s was once too
  // little beside a full unit phase and a CI run), asked the gateway, found nothing decided yet and
  // failed the payment RESERVATION_EXPIRED while attempt 2 went on to charge the customer.
  const store = new PaymentStore(rig.redis, rig.outbox, rig.prefix);
  const authorizer = startWorker(store, 3400, { attemptTimeoutMs: 3000 });
  await control({ latencyMs: 2000, failNext: 1 });
  const claim = await claimed(store, 3300, 3400);
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

it("when a charge's first call is left undecided after its attempts and the resumed call charges, then the payment counts the attempts of both", async () => {
  // Every attempt of the first call times out (the gateway mock, 2 s slow, decides nothing for a
  // client that hung up); the gateway lists no charge yet, so nothing is decided and the claim waits
  // out its lease. The resumed call then charges at once: 3 attempts and 1, not 1.
  const store = new PaymentStore(rig.redis, rig.outbox, `${rig.prefix}-count`);
  const authorizer = startWorker(store, 3000, { maxRetries: 2, attemptTimeoutMs: 300 });
  await control({ latencyMs: 2000 });
  const claim = await claimed(store, 60_000, 3000);
  try {
    authorizer.start(claim);
    await waitFor(async () => (await store.get(claim.orderId))?.attempts === 3, {
      timeoutMs: 10_000,
      what: 'the first call to record its 3 attempts',
    });
    expect(await store.get(claim.orderId)).toMatchObject({ status: 'PROCESSING' });
  } finally {
    await control({ latencyMs: 0 });
  }

  expect(await decided(store, claim.orderId)).toMatchObject({ status: 'AUTHORIZED', attempts: 4 });
  expect(await authorizedCharges(claim.orderId)).toHaveLength(1);
  // The outcome's event, as the record keeps it for announcing it again: it carries the same count.
  const event = await rig.redis.hget(paymentKeys(`${rig.prefix}-count`).payment(claim.orderId), 'event');
  const record = JSON.parse(event ?? '{}') as { topic?: string; value?: string };
  expect(record.topic).toBe('payment.authorized');
  expect(JSON.parse(record.value ?? '{}')).toMatchObject({ orderId: claim.orderId, attempts: 4 });
});

it('when the service stops between the retries of a charge, then its claim is handed back with the attempts made, and the call that resumes it counts on from them', async () => {
  const store = new PaymentStore(rig.redis, rig.outbox, `${rig.prefix}-handback`);
  // The first retry would wait 2 s: the service stops during that wait.
  const stopping = authorizerOf(store, gatewayClient({ backoffBaseMs: 4000 }), 60_000);
  await control({ failNext: 1 });
  const claim = await claimed(store, 60_000, 60_000);
  stopping.start(claim);
  await waitFor(
    async () => {
      const res = await fetch(`${gatewayUrl}/v1/charges/attempts?orderId=${claim.orderId}`);
      return ((await res.json()) as { attempts: unknown[] }).attempts.length === 1;
    },
    { what: 'the first attempt' },
  );
  await stopping.drain();
  expect(await store.get(claim.orderId)).toMatchObject({ status: 'PROCESSING', attempts: 1 });

  // Another instance's sweeper resumes the handed-back claim at once.
  startWorker(store, 60_000, {});
  expect(await decided(store, claim.orderId)).toMatchObject({ status: 'AUTHORIZED', attempts: 2 });
  expect(await authorizedCharges(claim.orderId)).toHaveLength(1);
});

it('when a worker pauses past its lease mid-attempt and the resumed claim fails the payment first, then the charge it then gets is counted and logged for a refund', async () => {
  // What the renewal cannot prevent: the attempt is already at the gateway (2 s to decide) when
  // the lease (700 ms) runs out; the sweeper resumes the claim past expiresAt, the gateway has not
  // decided yet, so the payment fails RESERVATION_EXPIRED. The first worker's charge is then
  // authorized: a FAILED order holding a charge, which only an operator can refund.
  const store = new PaymentStore(rig.redis, rig.outbox, rig.prefix);
  const authorizer = startWorker(store, 700, { maxRetries: 0, attemptTimeoutMs: 3000 });
  await control({ latencyMs: 2000 });
  const stranded = () => strandedCount(rig);
  const before = await stranded();
  // The attempt must reach the gateway before expiresAt (600 ms); the lease ends, and the resumed
  // claim asks the gateway, before it decides (2 s).
  const claim = await claimed(store, 600, 700);
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
  const stranded = () => strandedCount(rig);
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
  const stranded = () => strandedCount(rig);
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

it.each([
  [
    'fails the payment (its last retry ended GATEWAY_ERROR)',
    { ok: false, code: 'GATEWAY_ERROR', reason: 'gateway unavailable', attempts: 3 },
  ],
  ['records its charge authorized', { ok: true, paymentId: 'ch_first', attempts: 1 }],
] as const)(
  'when a worker whose claim the sweeper resumed then %s, then it is refused: the payment stays PROCESSING for the resumed claim and nothing goes to the outbox',
  async (_, result: AuthorizationResult) => {
    // A FAILED payment with payment.failed out while the resumed claim may still charge the order
    // would leave a failed order holding a charge. An outbox of its own that no relay drains: what
    // a completion put in it stays there to be read.
    const prefix = `${rig.prefix}-taken-over-${randomUUID()}`;
    const outbox = { stream: `${prefix}:outbox`, kick: () => undefined };
    const store = new PaymentStore(rig.redis, outbox, prefix);
    const first = await claimed(store, 60_000, -1);
    const [second] = await store.reclaimExpired(60_000);
    expect(second).toMatchObject({ orderId: first.orderId, resumed: true });
    const complete = (claim: Claim, r: AuthorizationResult) => store.complete(claim, r, outcomeEvent(claim, r, ''));

    expect(await complete(first, result)).toBe('not-ours');
    expect(await store.get(first.orderId)).toMatchObject({ status: 'PROCESSING' });
    expect(await rig.redis.xlen(outbox.stream)).toBe(0);

    // The resumed claim still decides the payment, and its outcome is the one event.
    const authorized = { ok: true as const, paymentId: 'ch_second', attempts: 1 };
    expect(await complete(second!, authorized)).toBe('written');
    expect(await store.get(first.orderId)).toMatchObject({ status: 'AUTHORIZED', paymentId: 'ch_second' });
    const records = (await rig.redis.xrange(outbox.stream, '-', '+')).map(([, [, r]]) => JSON.parse(r!) as object);
    expect(records).toEqual([expect.objectContaining({ topic: 'payment.authorized' })]);
  },
);

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

it('when two sweepers list the same expired claim at once, then the first takes it over and the second gets nothing', async () => {
  // Each instance's sweeper lists the due claims, then takes them over one by one, so two can list
  // the same claim before either took it. Started together on one connection, both listings reach
  // Redis before either takeover: the second takeover finds the lease the first set, not expired.
  const prefix = `${rig.prefix}-race`;
  const [one, other] = [
    new PaymentStore(rig.redis, rig.outbox, prefix),
    new PaymentStore(rig.redis, rig.outbox, prefix),
  ];
  const claim = await claimed(one, 60_000, -1);

  const [first, second] = await Promise.all([one.reclaimExpired(60_000), other.reclaimExpired(60_000)]);
  expect(first).toEqual([expect.objectContaining({ orderId: claim.orderId, resumed: true })]);
  expect(second).toEqual([]);
  expect(await one.recordAttempts(first[0]!, 1)).toBe(true);
});

it('when a worker renews its lease just after a sweeper listed its claim as due, then the sweeper leaves the claim to it', async () => {
  const store = new PaymentStore(rig.redis, rig.outbox, `${rig.prefix}-renewed`);
  const claim = await claimed(store, 60_000, 60_000);
  // The worker paused until its lease ended (here: ended at once), then renews it before its next
  // retry. The sweep's listing reaches Redis first and finds the claim due; the renewal comes
  // before the sweep's takeover, which finds a lease that has not run out.
  expect(await store.hold(claim, 0)).toBe(true);

  const [resumed, renewed] = await Promise.all([store.reclaimExpired(60_000), store.hold(claim, 60_000)]);
  expect(renewed).toBe(true);
  expect(resumed).toEqual([]);
  expect(await store.recordAttempts(claim, 1)).toBe(true);
});

it('when the gateway authorizes a charge whose payment record Redis lost meanwhile, then it is reported for a refund, not dropped in silence', async () => {
  const store = new PaymentStore(rig.redis, rig.outbox, `${rig.prefix}-lost`);
  const stranded = () => strandedCount(rig);
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
