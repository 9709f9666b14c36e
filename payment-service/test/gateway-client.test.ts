import { waitFor } from '../../test/support';
import { ChargeInterruptedError } from '../src/clients/charge-errors';
import { createGatewayClient } from '../src/clients/gateway-client';
import { retryAfterMs, retryDelayMs } from '../src/clients/retry-policy';
import type { ChargeRequest } from '../src/domain/authorization';
import { startFakeGateway, type Reply } from './fake-gateway';

const soon = () => new Date(Date.now() + 60_000).toISOString();
const charge = (over: Partial<ChargeRequest> = {}): ChargeRequest => ({
  orderId: `ord_${Math.random().toString(36).slice(2)}`,
  amount: 1999,
  currency: 'USD',
  token: 'tok_visa',
  expiresAt: soon(),
  ...over,
});
const ok: Reply = { status: 201, body: { id: 'ch_1', status: 'authorized', amount: 1999 } };
const unavailable: Reply = { status: 503, body: {} };

/** A gateway that answers each call with the next scripted reply (the last one repeats). */
async function scripted(...replies: Reply[]) {
  return startFakeGateway((_call, n) => replies[Math.min(n, replies.length) - 1]!);
}

const clientFor = (url: string, over: Partial<Parameters<typeof createGatewayClient>[0]> = {}) =>
  createGatewayClient({
    baseURL: url,
    maxRetries: 5,
    attemptTimeoutMs: 500,
    backoffBaseMs: 20,
    random: () => 1,
    ...over,
  });

describe('gateway client: POST /v1/charges', () => {
  let gateway: Awaited<ReturnType<typeof startFakeGateway>>;
  afterEach(() => gateway.stop());

  it('when the gateway answers 503 twice, then it retries with growing gaps and counts 3 attempts', async () => {
    gateway = await scripted(unavailable, unavailable, ok);
    const req = charge();
    const result = await clientFor(gateway.url).authorize(req);
    expect(result).toEqual({ ok: true, paymentId: 'ch_1', attempts: 3 });
    const [a, b, c] = gateway.calls.map((x) => x.at) as [number, number, number];
    expect(b - a).toBeGreaterThanOrEqual(18);
    expect(c - b).toBeGreaterThanOrEqual(38);
    expect(gateway.calls.map((x) => x.idempotencyKey)).toEqual([req.orderId, req.orderId, req.orderId]);
  });

  it('when the gateway declines with 402 insufficient_funds, then it does not retry', async () => {
    gateway = await scripted({ status: 402, body: { error: { code: 'insufficient_funds' } } });
    const result = await clientFor(gateway.url).authorize(charge());
    expect(result).toMatchObject({ ok: false, code: 'INSUFFICIENT_FUNDS', attempts: 1 });
    expect(gateway.calls).toHaveLength(1);
  });

  it('when the gateway declines with 402 invalid_card or rejects with 400, then INVALID_CARD at once', async () => {
    gateway = await scripted({ status: 402, body: { error: { code: 'invalid_card' } } }, { status: 400 });
    const client = clientFor(gateway.url);
    expect(await client.authorize(charge())).toMatchObject({ ok: false, code: 'INVALID_CARD', attempts: 1 });
    expect(await client.authorize(charge())).toMatchObject({ ok: false, code: 'INVALID_CARD', attempts: 1 });
    expect(gateway.calls).toHaveLength(2);
  });

  it('when the gateway answers 429 with Retry-After: 1, then the next attempt waits a second', async () => {
    gateway = await scripted({ status: 429, headers: { 'Retry-After': '1' } }, ok);
    const result = await clientFor(gateway.url).authorize(charge());
    expect(result).toMatchObject({ ok: true, attempts: 2 });
    const [a, b] = gateway.calls.map((x) => x.at) as [number, number];
    expect(b - a).toBeGreaterThanOrEqual(950);
  });

  it('when an attempt times out, then it is retried and the second answer counts', async () => {
    // A second for the answer that counts, on a busy machine too; the first one's comes too late.
    gateway = await scripted({ ...ok, delayMs: 2500 }, ok);
    const result = await clientFor(gateway.url, { attemptTimeoutMs: 1000 }).authorize(charge());
    expect(result).toEqual({ ok: true, paymentId: 'ch_1', attempts: 2 });
  });

  it('when an attempt times out and its retries meet 409 while the gateway still decides it, then they go on until the decision replays: one charge', async () => {
    // A Stripe-like gateway answers 409 to a key it is still deciding; failing the order on it
    // released the stock while the first attempt went on to authorize.
    gateway = await startFakeGateway((_call, n) => (n === 1 ? { ...ok, delayMs: 300 } : ok), {
      conflictWhileDeciding: true,
    });
    const req = charge();
    const result = await clientFor(gateway.url, { attemptTimeoutMs: 100 }).authorize(req);
    expect(result).toMatchObject({ ok: true, paymentId: 'ch_1' });
    expect(result.attempts).toBeGreaterThan(2);
    expect(gateway.chargesFor(req.orderId)).toHaveLength(1);
  });

  it('when retries run out while the gateway still answers 409, then nothing is decided, and the charge it then makes stands', async () => {
    gateway = await startFakeGateway(() => ({ ...ok, delayMs: 1500 }), { conflictWhileDeciding: true });
    const req = charge();
    const client = clientFor(gateway.url, { attemptTimeoutMs: 100, maxRetries: 2 });
    await expect(client.authorize(req)).rejects.toThrow(/still deciding this charge \(HTTP 409\)/);
    // The recovery sweeper resumes the claim once its lease ran out: the decision replays.
    await waitFor(() => gateway.chargesFor(req.orderId).length === 1, { timeoutMs: 5000, what: 'the decision' });
    expect(await client.authorize(req, undefined, { resumed: true })).toMatchObject({ ok: true, paymentId: 'ch_1' });
    expect(gateway.chargesFor(req.orderId)).toHaveLength(1);
  });

  it('when the reservation expires while the gateway still decides an attempt (409 to the retries) and lists no charge yet, then nothing is decided, and the resumed call takes the charge it made', async () => {
    // A Stripe-like gateway finishing a timed-out attempt after the lookup: failing the order
    // RESERVATION_EXPIRED released the stock, and the customer was charged for a FAILED order.
    gateway = await startFakeGateway(() => ({ ...ok, delayMs: 800 }), { conflictWhileDeciding: true });
    const req = charge({ expiresAt: new Date(Date.now() + 300).toISOString() });
    const client = clientFor(gateway.url, { attemptTimeoutMs: 200 });
    await expect(client.authorize(req)).rejects.toThrow(/reservation expired while an attempt may still be decided/);
    await waitFor(() => gateway.chargesFor(req.orderId).length === 1, { timeoutMs: 5000, what: 'the decision' });
    // The sweeper's resumed call, a lease later: no attempt may start, the charge made stands.
    const calls = gateway.calls.length;
    expect(await client.authorize(req, undefined, { resumed: true })).toMatchObject({ ok: true, paymentId: 'ch_1' });
    expect([gateway.calls.length, gateway.chargesFor(req.orderId).length]).toEqual([calls, 1]);
  });

  it('when the reservation expired after an attempt went unanswered and the gateway then lists nothing, then the resumed call fails it RESERVATION_EXPIRED', async () => {
    // Every attempt times out and the gateway decides none (as the mock drops one whose client gave up).
    gateway = await scripted({ ...unavailable, delayMs: 400 });
    const req = charge({ expiresAt: new Date(Date.now() + 250).toISOString() });
    const client = clientFor(gateway.url, { attemptTimeoutMs: 100 });
    await expect(client.authorize(req)).rejects.toBeInstanceOf(ChargeInterruptedError);
    expect(await client.authorize(req, undefined, { resumed: true })).toMatchObject({
      ok: false,
      code: 'RESERVATION_EXPIRED',
      attempts: 0,
    });
  });

  it('when retries meet 503 while the gateway still decides the first, timed-out attempt, then nothing is decided, and the resumed call gets its decision replayed: one charge', async () => {
    gateway = await startFakeGateway(() => ({ ...ok, delayMs: 800 }), { conflictWhileDeciding: true });
    const req = charge();
    const client = clientFor(gateway.url, { attemptTimeoutMs: 200, maxRetries: 2 });
    const pending = client.authorize(req);
    await waitFor(() => gateway.calls.length === 1, { timeoutMs: 2000, what: 'the first attempt' });
    gateway.chargesDown(true); // overloaded: charges answer 503, lookups still answer
    // The lookup after the retries comes before the decision: GATEWAY_ERROR here failed the order.
    await expect(pending).rejects.toThrow(/charged unseen .* and the gateway lists no charge yet/);
    await waitFor(() => gateway.chargesFor(req.orderId).length === 1, { timeoutMs: 5000, what: 'the decision' });
    gateway.chargesDown(false);
    expect(await client.authorize(req, undefined, { resumed: true })).toMatchObject({ ok: true, paymentId: 'ch_1' });
    expect(gateway.chargesFor(req.orderId)).toHaveLength(1);
  });

  it('when the gateway answers 200 without a charge id, then it is asked whether it charged, and that charge stands', async () => {
    gateway = await scripted({ status: 200, body: { status: 'authorized' } });
    const req = charge();
    expect(await clientFor(gateway.url).authorize(req)).toEqual({
      ok: true,
      paymentId: `ch_${req.orderId}`,
      attempts: 1,
    });
  });

  it('when the gateway answers 202 without a charge id and lists no charge for the order, then nothing is decided: the sweeper asks again', async () => {
    gateway = await scripted({ status: 202, body: {}, undecided: true });
    await expect(clientFor(gateway.url).authorize(charge())).rejects.toThrow(/HTTP 202 without a charge id/);
  });

  it('when an answer that decides nothing (404) follows an unanswered attempt and the gateway cannot be asked, then nothing is decided', async () => {
    gateway = await startFakeGateway((_call, n) => {
      if (n === 1) return { ...unavailable, delayMs: 400 };
      gateway.outage(true); // from the look-up on
      return { status: 404 };
    });
    const client = clientFor(gateway.url, { attemptTimeoutMs: 100 });
    await expect(client.authorize(charge())).rejects.toBeInstanceOf(ChargeInterruptedError);
  });

  it('when a refusal (401) follows an attempt that may have been charged unseen and the gateway lists nothing yet, then the first call decides nothing and the resumed one fails it GATEWAY_ERROR', async () => {
    // The first attempt reached a gateway still deciding it when a proxy answered 502; the retry was refused.
    gateway = await scripted({ status: 502, body: {} }, { status: 401 });
    const req = charge();
    const client = clientFor(gateway.url, { backoffBaseMs: 5 });
    await expect(client.authorize(req)).rejects.toThrow(/may have been charged unseen/);
    expect(gateway.lookupsFor(req.orderId)).toBe(1);
    expect(await client.authorize(req, undefined, { resumed: true })).toMatchObject({
      ok: false,
      code: 'GATEWAY_ERROR',
      reason: 'unexpected gateway answer (HTTP 401)',
    });
  });

  it('when a refusal (401) follows an attempt the gateway was still deciding (a proxy’s 408) and it lists nothing yet, then the first call decides nothing', async () => {
    gateway = await scripted({ status: 408, body: {}, undecided: true }, { status: 401 });
    const req = charge();
    await expect(clientFor(gateway.url, { backoffBaseMs: 5 }).authorize(req)).rejects.toThrow(/still being decided/);
    expect(gateway.lookupsFor(req.orderId)).toBe(1);
  });

  it('when the first answer decides nothing (401), then GATEWAY_ERROR at once: the request was refused, nothing charged', async () => {
    gateway = await scripted({ status: 401 });
    expect(await clientFor(gateway.url).authorize(charge())).toMatchObject({
      ok: false,
      code: 'GATEWAY_ERROR',
      reason: 'unexpected gateway answer (HTTP 401)',
      attempts: 1,
    });
    expect(gateway.calls).toHaveLength(1);
  });

  it('when the gateway stays down, then GATEWAY_ERROR after max retries + 1 attempts', async () => {
    gateway = await scripted(unavailable);
    const result = await clientFor(gateway.url, { maxRetries: 3, backoffBaseMs: 5 }).authorize(charge());
    expect(result).toMatchObject({ ok: false, code: 'GATEWAY_ERROR', attempts: 4 });
    expect(gateway.calls).toHaveLength(4);
  });

  it('when the gateway cannot be reached, then network errors are retried too', async () => {
    gateway = await scripted(ok);
    await gateway.stop();
    const result = await clientFor(gateway.url, { maxRetries: 2, backoffBaseMs: 5 }).authorize(charge());
    expect(result).toMatchObject({ ok: false, code: 'GATEWAY_ERROR', attempts: 3 });
  });

  it('when the reservation already expired, then RESERVATION_EXPIRED without calling the gateway', async () => {
    gateway = await scripted(ok);
    const result = await clientFor(gateway.url).authorize(
      charge({ expiresAt: new Date(Date.now() - 1).toISOString() }),
    );
    expect(result).toMatchObject({ ok: false, code: 'RESERVATION_EXPIRED', attempts: 0 });
    expect(gateway.calls).toHaveLength(0);
  });

  it('when a charge resumed after its reservation expired had been authorized, then that charge stands and no new one is made', async () => {
    gateway = await startFakeGateway();
    const req = charge();
    expect(await clientFor(gateway.url).authorize(req)).toMatchObject({ ok: true, paymentId: `ch_${req.orderId}` });
    // The worker died before recording it; the sweeper resumes the claim after expiresAt.
    const afterExpiry = clientFor(gateway.url, { now: () => Date.parse(req.expiresAt) + 1 });
    expect(await afterExpiry.authorize(req)).toEqual({ ok: true, paymentId: `ch_${req.orderId}`, attempts: 0 });
    expect(gateway.callsFor(req.orderId)).toHaveLength(1);
  });

  it('when the reservation expired and the gateway cannot say whether it charged, then nothing is decided', async () => {
    gateway = await scripted(ok);
    await gateway.stop();
    const client = clientFor(gateway.url, { maxRetries: 1 });
    await expect(
      client.authorize(charge({ expiresAt: new Date(Date.now() - 1).toISOString() })),
    ).rejects.toBeInstanceOf(ChargeInterruptedError);
    gateway = await scripted(ok); // for afterEach
  });

  it('when retries ran out after an unanswered attempt and the gateway cannot be asked either, then nothing is decided', async () => {
    // The gateway authorizes the first attempt but answers after the client gave up, then goes down:
    // GATEWAY_ERROR would fail the order while the customer holds the charge.
    gateway = await scripted({ ...ok, delayMs: 800 });
    const req = charge();
    const pending = clientFor(gateway.url, { maxRetries: 2, attemptTimeoutMs: 200 }).authorize(req);
    await waitFor(() => gateway.calls.length === 1, { timeoutMs: 2000, what: 'the first attempt' });
    gateway.outage(true);
    await expect(pending).rejects.toBeInstanceOf(ChargeInterruptedError);
    expect(gateway.chargesFor(req.orderId)).toHaveLength(1);
  });

  it('when a fault of our own (not the HTTP call) stops the retries, then the gateway is asked: a charge it made stands, and with none nothing is decided', async () => {
    // The clock read before each attempt throws from the second on: a failure that says nothing of the gateway.
    const brokenClock = () => {
      let reads = 0;
      return () => {
        if (++reads > 1) throw new TypeError('clock broke');
        return Date.now();
      };
    };
    // The first attempt is authorized but answered after the client gave up, so a retry follows.
    gateway = await scripted({ ...ok, delayMs: 300 });
    const client = clientFor(gateway.url, { attemptTimeoutMs: 100, now: brokenClock() });
    expect(await client.authorize(charge())).toEqual({ ok: true, paymentId: 'ch_1', attempts: 1 });
    await gateway.stop();

    gateway = await scripted(unavailable);
    const none = clientFor(gateway.url, { now: brokenClock() }).authorize(charge());
    await expect(none).rejects.toBeInstanceOf(ChargeInterruptedError);
    expect(gateway.calls).toHaveLength(1);
  });

  it("when a resumed charge meets only 503s and the earlier worker's attempt was authorized, then that charge stands, not GATEWAY_ERROR", async () => {
    gateway = await startFakeGateway();
    const req = charge();
    // The worker that died before recording it.
    expect(await clientFor(gateway.url).authorize(req)).toMatchObject({ ok: true, paymentId: `ch_${req.orderId}` });
    gateway.chargesDown(true);
    const client = clientFor(gateway.url, { maxRetries: 2, backoffBaseMs: 5 });
    expect(await client.authorize(req, undefined, { resumed: true })).toEqual({
      ok: true,
      paymentId: `ch_${req.orderId}`,
      attempts: 3,
    });
    expect(gateway.chargesFor(req.orderId)).toHaveLength(1);
    // Not resumed, the same answers mean no charge can exist: GATEWAY_ERROR, as before.
    expect(await client.authorize(charge())).toMatchObject({ ok: false, code: 'GATEWAY_ERROR', attempts: 3 });
  });

  it.each([500, 502, 504])(
    'when the gateway charged the first attempt but answered it %i (replayed to every retry), then the charge it lists stands, not GATEWAY_ERROR',
    async (status) => {
      // A 500 after the commit, which Stripe replays under the key, or a proxy's 502/504 in front
      // of a gateway that charged: GATEWAY_ERROR failed the order while the customer held the charge.
      gateway = await scripted({ status, body: {}, charged: true });
      const req = charge();
      const result = await clientFor(gateway.url, { maxRetries: 2, backoffBaseMs: 5 }).authorize(req);
      expect(result).toEqual({ ok: true, paymentId: `ch_${req.orderId}`, attempts: 3 });
      expect(gateway.chargesFor(req.orderId)).toHaveLength(1);
      expect(gateway.lookupsFor(req.orderId)).toBe(1);
    },
  );

  it('when only the last attempt was charged and answered 500 (axios-retry asks no retry condition of it), then that charge stands', async () => {
    gateway = await scripted(unavailable, unavailable, { status: 500, body: {}, charged: true });
    const req = charge();
    const result = await clientFor(gateway.url, { maxRetries: 2, backoffBaseMs: 5 }).authorize(req);
    expect(result).toEqual({ ok: true, paymentId: `ch_${req.orderId}`, attempts: 3 });

    // The gateway's next answers repeat the last one: a single attempt, charged and answered 500.
    const once = charge();
    expect(await clientFor(gateway.url, { maxRetries: 0 }).authorize(once)).toEqual({
      ok: true,
      paymentId: `ch_${once.orderId}`,
      attempts: 1,
    });
  });

  it('when every attempt meets a 502 and the gateway lists no charge, then the first call decides nothing and the resumed one fails it GATEWAY_ERROR', async () => {
    gateway = await scripted({ status: 502, body: {} });
    const req = charge();
    const client = clientFor(gateway.url, { maxRetries: 2, backoffBaseMs: 5 });
    // The proxy may have passed an attempt on, and the gateway may still be deciding it. The error
    // says how many attempts the call made, for the caller to record.
    await expect(client.authorize(req)).rejects.toEqual(
      expect.objectContaining({ constructor: ChargeInterruptedError, attempts: 3 }),
    );
    // A lease later the sweeper resumes the claim: the same key again, and an empty list now counts.
    expect(await client.authorize(req, undefined, { resumed: true })).toMatchObject({
      ok: false,
      code: 'GATEWAY_ERROR',
      attempts: 3,
    });
    expect(gateway.chargesFor(req.orderId)).toHaveLength(0);
  });

  it('when a resumed charge meets only 503s and the gateway cannot be asked either, then nothing is decided', async () => {
    gateway = await scripted(ok);
    gateway.outage(true);
    const client = clientFor(gateway.url, { maxRetries: 2, backoffBaseMs: 5 });
    await expect(client.authorize(charge(), undefined, { resumed: true })).rejects.toBeInstanceOf(
      ChargeInterruptedError,
    );
  });

  it('when every attempt answered 503 and the gateway cannot be asked, then GATEWAY_ERROR (nothing can have been charged)', async () => {
    gateway = await scripted(ok);
    gateway.outage(true);
    const result = await clientFor(gateway.url, { maxRetries: 2 }).authorize(charge());
    expect(result).toMatchObject({ ok: false, code: 'GATEWAY_ERROR', attempts: 3 });
  });

  it("when the claim is no longer this worker's before a retry, then no further attempt starts and nothing is decided", async () => {
    gateway = await scripted(unavailable, ok);
    const holds: boolean[] = [];
    const pending = clientFor(gateway.url).authorize(charge(), undefined, {
      holdClaim: async () => (holds.push(false), false),
    });
    await expect(pending).rejects.toBeInstanceOf(ChargeInterruptedError);
    expect(gateway.calls).toHaveLength(1);
    expect(holds).toHaveLength(1);
  });

  it('when the claim is renewed before each retry, with the attempts made so far, then the retries go on', async () => {
    gateway = await scripted(unavailable, unavailable, ok);
    const renewals: number[] = [];
    const result = await clientFor(gateway.url).authorize(charge(), undefined, {
      holdClaim: async (made) => (renewals.push(made), true),
    });
    expect(result).toMatchObject({ ok: true, attempts: 3 });
    expect(renewals).toEqual([1, 2]);
  });

  it('when the last attempt timed out but the gateway had authorized it, then that charge stands', async () => {
    // The gateway decides, then answers after the client gave up.
    gateway = await scripted({ ...ok, delayMs: 800 });
    const req = charge();
    const result = await clientFor(gateway.url, { maxRetries: 0, attemptTimeoutMs: 200 }).authorize(req);
    expect(result).toEqual({ ok: true, paymentId: 'ch_1', attempts: 1 });
    expect(gateway.calls).toHaveLength(1);
  });

  it('when the service stops while the gateway fails, then no further attempt starts and nothing is decided', async () => {
    gateway = await scripted(unavailable);
    const stop = new AbortController();
    const pending = clientFor(gateway.url, { backoffBaseMs: 2000 }).authorize(charge(), undefined, {
      stop: stop.signal,
    });
    await waitFor(() => gateway.calls.length === 1, { timeoutMs: 2000, what: 'the first attempt' });
    stop.abort();
    await expect(pending).rejects.toBeInstanceOf(ChargeInterruptedError);
    // Had it gone on, the call would have settled only after five more attempts.
    expect(gateway.calls).toHaveLength(1);
  });

  it('when the service stops while an attempt is in flight, then that attempt still decides', async () => {
    gateway = await scripted({ ...ok, delayMs: 200 });
    const stop = new AbortController();
    const pending = clientFor(gateway.url).authorize(charge(), undefined, { stop: stop.signal });
    await waitFor(() => gateway.calls.length === 1, { timeoutMs: 2000, what: 'the attempt' });
    stop.abort();
    expect(await pending).toEqual({ ok: true, paymentId: 'ch_1', attempts: 1 });
  });

  it('when the reservation expires between retries, then retries stop with RESERVATION_EXPIRED', async () => {
    gateway = await scripted(unavailable);
    const expiresAt = new Date(Date.now() + 150).toISOString();
    const result = await clientFor(gateway.url, { backoffBaseMs: 100 }).authorize(charge({ expiresAt }));
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.code).toBe('RESERVATION_EXPIRED');
    expect(result.attempts).toBe(gateway.calls.length);
    expect(result.attempts).toBeLessThan(6);
  });

  it('when renewing the claim before a retry takes past the reservation (Redis stalled), then that retry never starts: RESERVATION_EXPIRED', async () => {
    gateway = await scripted(unavailable, ok);
    const expiresAt = Date.now() + 300;
    // The renewal answers only once the reservation is gone, as after a stall it waited out.
    const holdClaim = () =>
      new Promise<boolean>((r) => setTimeout(() => r(true), Math.max(0, expiresAt - Date.now() + 50)));
    const result = await clientFor(gateway.url).authorize(
      charge({ expiresAt: new Date(expiresAt).toISOString() }),
      undefined,
      { holdClaim },
    );
    expect(result).toMatchObject({ ok: false, code: 'RESERVATION_EXPIRED', attempts: 1 });
    expect(gateway.calls).toHaveLength(1);
  });
});

describe('retry policy', () => {
  it('when Retry-After is an HTTP date, then the delay runs until that date', () => {
    const now = Date.parse('2030-01-01T00:00:00Z');
    expect(retryAfterMs('Tue, 01 Jan 2030 00:00:02 GMT', now)).toBe(2000);
    expect(retryAfterMs('3', now)).toBe(3000);
    expect(retryAfterMs('soon', now)).toBe(0);
  });

  it('when jitter draws its extremes, then each wait lies between half and all of base × 2^(n-1)', () => {
    expect([1, 2, 3].map((n) => retryDelayMs(n, undefined, 100, () => 1))).toEqual([100, 200, 400]);
    expect([1, 2, 3].map((n) => retryDelayMs(n, undefined, 100, () => 0))).toEqual([50, 100, 200]);
  });
});
