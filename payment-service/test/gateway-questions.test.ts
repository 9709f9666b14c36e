import { randomUUID } from 'node:crypto';
import { createLogger, type Logger } from '@checkout/chassis';
import { startRig, waitFor, type Rig } from '../../test/support';
import { ChargeInterruptedError } from '../src/clients/charge-errors';
import type { GatewayClient } from '../src/clients/gateway-client';
import { GatewayQuestionsJob } from '../src/jobs/gateway-questions-job';
import { RecoverySweeper } from '../src/jobs/recovery-sweeper';
import { PaymentStore } from '../src/store/payment-store';
import { PaymentAuthorizer } from '../src/usecases/authorize-payment';
import { GatewayQuestions, RECHECK_REPORTER } from '../src/usecases/gateway-questions';
import { StrandedCharges } from '../src/usecases/stranded-charges';
import { claimed, decided, failedByResumedClaim, strandedCount } from './claims';

/**
 * The questions payment-service asks the gateway outside a charge (expired reservations whose
 * order never came, failed payments due for a recheck), with stand-in gateways, the real store on
 * the run's Redis: how a late charge is reported once and never skipped, and how a gateway that
 * does not answer holds up nothing else. Each test has a store of its own (a key prefix).
 */
let rig: Rig;
beforeAll(async () => {
  rig = await startRig('payment-service');
});
afterAll(() => rig?.stop());

const storeFor = (name: string) => new PaymentStore(rig.redis, rig.outbox, `${rig.prefix}-${name}`);
const authorizerOf = (store: PaymentStore, gateway: GatewayClient, logger: Logger = rig.logger) =>
  new PaymentAuthorizer({
    store,
    gateway,
    outbox: rig.outbox,
    logger,
    stranded: new StrandedCharges(rig.metrics, logger),
    leaseMs: 60_000,
  });
/** A logger that keeps what is written to it, one parsed line each. */
function capturing() {
  const lines: { msg: string }[] = [];
  const logger = createLogger('payment-service', 'info', { write: (l: string) => void lines.push(JSON.parse(l)) });
  return { logger, lines };
}
/** One instance's question job, not started: a test runs its passes (askOnce), or starts it. */
const questionsJob = (
  store: PaymentStore,
  gateway: GatewayClient,
  {
    intervalMs = 60_000,
    holdMs = 60_000,
    logger = rig.logger,
  }: { intervalMs?: number; holdMs?: number; logger?: Logger } = {},
) =>
  new GatewayQuestionsJob({
    store,
    questions: new GatewayQuestions({ store, gateway, stranded: new StrandedCharges(rig.metrics, logger), logger }),
    logger,
    intervalMs,
    holdMs,
  });

/** A gateway that authorized the order's charge after the payment failed: it lists 'ch_late'. */
const lateCharge: GatewayClient = {
  authorize: async () => ({ ok: true, paymentId: 'ch_late', attempts: 1 }),
  charged: async () => 'ch_late',
};

it('when two instances run their passes at once and the paused worker then hears of the late charge, then one instance takes the recheck, and the charge is counted and logged once', async () => {
  const store = storeFor('once');
  const { logger, lines } = capturing();
  const before = await strandedCount(rig);
  const claim = await failedByResumedClaim(store, { recheckAt: Date.now() });
  await Promise.all([
    questionsJob(store, lateCharge, { logger }).askOnce(),
    questionsJob(store, lateCharge, { logger }).askOnce(),
  ]);
  expect(await strandedCount(rig)).toBe(before + 1);
  // The worker whose claim was taken over runs its charge to the end (authorized) and reports it.
  await authorizerOf(store, lateCharge, logger).authorize(claim);
  expect(await strandedCount(rig)).toBe(before + 1);
  expect(lines.filter((l) => l.msg.endsWith('refund it'))).toHaveLength(1);
  expect(await rig.redis.zscore(`${rig.prefix}-once:recheck`, claim.orderId)).toBeNull();
});

it('when the gateway does not answer a question, then claims are still resumed, and stopping abandons the question', async () => {
  const store = storeFor('hung');
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
  const { logger, lines } = capturing();
  const sweeper = new RecoverySweeper(store, authorizerOf(store, gateway), rig.logger, 100);
  const questions = questionsJob(store, gateway, { intervalMs: 100, logger });
  sweeper.start();
  questions.start();
  try {
    await waitFor(() => asked, { what: 'the job to ask about the expired reservation' });
    // A worker died mid-charge (its lease is over) while the question about the reservation hangs.
    const claim = await claimed(store, 60_000, -1);
    expect(await decided(store, claim.orderId)).toMatchObject({ status: 'AUTHORIZED', paymentId: 'ch_resumed' });
  } finally {
    await sweeper.stop();
    await questions.stop();
  }
  // Abandoned, not failed: stopping is no gateway outage to warn of.
  expect(lines.filter((l) => l.msg.includes('failed, will retry'))).toEqual([]);
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
  const before = await strandedCount(rig);
  const claim = await failedByResumedClaim(store, { recheckAt: Date.now() });
  // Questions held 0 ms: the next pass takes the entry again at once.
  const job = questionsJob(store, lateCharge, { holdMs: 0 });
  await expect(job.askOnce()).rejects.toThrow('Command timed out');
  expect(await strandedCount(rig)).toBe(before);
  await job.askOnce();
  expect(await strandedCount(rig)).toBe(before + 1);
  expect(await rig.redis.zscore(`${rig.prefix}-lost-answer:recheck`, claim.orderId)).toBeNull();
});

it('when the answer to a report is lost and the reporter asks again, then it is answered the same: the charge is still reported, by it alone', async () => {
  const store = storeFor('resend');
  const claim = await failedByResumedClaim(store);
  const asRecheck = () => store.reportStrayCharge(claim.orderId, 'ch_late', RECHECK_REPORTER);
  expect(await asRecheck()).toEqual({ status: 'FAILED', first: true });
  expect(await asRecheck()).toEqual({ status: 'FAILED', first: true });
  expect(await store.reportStrayCharge(claim.orderId, 'ch_late', claim.owner)).toEqual({
    status: 'FAILED',
    first: false,
  });
});

it('when the gateway cannot say whether it charged, then nothing is failed and the pass says so in a warning; once it answers, the reservation is failed and the job says it works again', async () => {
  const store = storeFor('outage');
  const { logger, lines } = capturing();
  let down = true;
  const gateway: GatewayClient = {
    ...lateCharge,
    charged: async () => {
      if (down) throw new ChargeInterruptedError('the gateway cannot say whether it charged (503)');
      return undefined;
    },
  };
  const orderId = `ord_${randomUUID()}`;
  const expiresAt = new Date(Date.now() - 1000).toISOString();
  await store.recordReservation({ orderId, expiresAt, correlationId: 'c' }, 60_000);
  const job = questionsJob(store, gateway, { holdMs: 0, logger });
  await job.askOnce();
  expect((await store.get(orderId))?.status).toBe('PENDING');
  expect(lines).toContainEqual(
    expect.objectContaining({ msg: expect.stringMatching(/^asking the gateway .* failed, will retry$/) }),
  );
  down = false;
  await job.askOnce();
  expect(await store.get(orderId)).toMatchObject({ status: 'FAILED', code: 'RESERVATION_EXPIRED' });
  expect(lines).toContainEqual(expect.objectContaining({ msg: expect.stringMatching(/works again$/) }));
});
