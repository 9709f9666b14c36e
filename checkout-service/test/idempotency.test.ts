import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { CheckoutRequest, buildCheckoutRequest, createEvent, type ValidateResponse } from '@checkout/contracts';
import { createLogger } from '@checkout/chassis';
import { recordTopics, waitFor } from '../../test/support';
import { canonicalHash } from '../src/domain/canonical-hash';
import { decideCheckout } from '../src/domain/checkout-decision';
import { orderIdForKey } from '../src/domain/order-id';
import { IdempotencyStore } from '../src/store/idempotency-store';
import { invalidAnswer, validAnswer } from './fake-validation';
import { startHarness, type Harness } from './harness';

let h: Harness;
let recorder: Awaited<ReturnType<typeof recordTopics>>;

beforeAll(async () => {
  h = await startHarness();
  recorder = await recordTopics(['order.created']);
});
afterAll(async () => {
  await recorder.stop();
  await h.stop();
});
beforeEach(() => h.fake.answerWith(validAnswer));

const checkout = (key: string, body: object) => request(h.app).post('/checkout').set('Idempotency-Key', key).send(body);

/** What a crash between fsyncs loses of the creating write: it wrote all of it in one step, so all of it goes. */
async function loseCreatingWrite(key: string, orderId: string, customerId: string): Promise<void> {
  await h.redis
    .multi()
    .del(`${h.prefix}:idempotency:${key}`, `${h.prefix}:order:${orderId}`)
    .srem(`${h.prefix}:unpaid:${customerId}`, orderId)
    .zrem(`${h.prefix}:open`, orderId)
    .zrem(`${h.prefix}:reannounce`, orderId)
    .exec();
}

describe('POST /checkout with an Idempotency-Key', () => {
  it('when the same key and body come again, then the first 202 is replayed with Idempotent-Replayed', async () => {
    const key = randomUUID();
    const first = await checkout(key, buildCheckoutRequest());
    const again = await checkout(key, buildCheckoutRequest());

    expect(first.status).toBe(202);
    expect(first.headers['idempotent-replayed']).toBeUndefined();
    expect(again.status).toBe(202);
    expect(again.body).toEqual(first.body);
    expect(again.headers.location).toBe(first.headers.location);
    expect(again.headers['idempotent-replayed']).toBe('true');
  });

  it('when the header comes twice, then 400 names it, rather than a key of its own joined from both ("aaa, bbb")', async () => {
    const [a, b] = [randomUUID(), randomUUID()];
    const res = await request(h.app)
      .post('/checkout')
      .set('Idempotency-Key', [a, b] as unknown as string)
      .send(buildCheckoutRequest());
    expect(res.status).toBe(400);
    expect(res.body.details).toEqual([
      expect.objectContaining({ field: 'Idempotency-Key', message: 'must be given once' }),
    ]);
    expect(await h.redis.exists(`${h.prefix}:idempotency:${a}, ${b}`)).toBe(0);
  });

  it('when only the key order of the body differs, then it is the same request', async () => {
    const key = randomUUID();
    const body = buildCheckoutRequest();
    const first = await checkout(key, body);
    const reordered = {
      payment: body.payment,
      customer: { email: body.customer.email, name: body.customer.name, id: body.customer.id },
      cart: body.cart,
    };
    const again = await checkout(key, reordered);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.body.orderId).toBe(first.body.orderId);
  });

  describe('when the retry spells the same request another way', () => {
    // A customer of their own: the orders placed here do not count against another test's unpaid cap.
    const base = buildCheckoutRequest({
      customer: { id: `cust-${randomUUID()}`, name: 'Ada', email: 'ada@example.com' },
    });
    const withCodes = (promoCodes: string[]) => ({ ...base, cart: { ...base.cart, promoCodes } });
    const named = (name: string) => ({ ...base, customer: { ...base.customer, name } });
    it.each([
      ['an empty promo code list, then none', withCodes([]), base],
      ['a promo code in capitals, then in lower case', withCodes(['PROMO10']), withCodes(['promo10'])],
      ['a promo code twice, then once', withCodes(['PROMO10', 'promo10']), withCodes(['PROMO10'])],
      ['a name composed, then decomposed (the same text)', named('Jos\u00e9'), named('Jose\u0301')],
    ])('%s: then it is the same request, replayed', async (_, first, second) => {
      const key = randomUUID();
      const a = await checkout(key, first);
      const b = await checkout(key, second);
      expect(a.status).toBe(202);
      expect([b.status, b.headers['idempotent-replayed'], b.body.orderId]).toEqual([202, 'true', a.body.orderId]);
    });

    it('when another promo code is given, then 422 IDEMPOTENCY_KEY_REUSED as for any other change', async () => {
      const key = randomUUID();
      expect((await checkout(key, withCodes(['PROMO10']))).status).toBe(202);
      expect((await checkout(key, withCodes(['SAVE500']))).body.error).toBe('IDEMPOTENCY_KEY_REUSED');
    });

    it("when the key holds a decision of the release before (no identity, the body's own hash), then the same body is replayed", async () => {
      const key = randomUUID();
      const body = withCodes(['promo10']);
      const first = await checkout(key, body);
      const { identity: _identity, ...stored } = JSON.parse((await h.redis.get(`${h.prefix}:idempotency:${key}`))!) as {
        hash: string;
        identity?: string;
      };
      await h.redis.set(`${h.prefix}:idempotency:${key}`, JSON.stringify(stored), 'KEEPTTL');
      const again = await checkout(key, body);
      expect([again.status, again.headers['idempotent-replayed'], again.body.orderId]).toEqual([
        202,
        'true',
        first.body.orderId,
      ]);
    });

    it('when a body is spelled another way, then its order id is still derived from the body itself, as in the release before (ADR 7), and so is the hash the key keeps', async () => {
      const key = randomUUID();
      const body = withCodes(['promo10']);
      const placed = await checkout(key, body);
      const own = canonicalHash(CheckoutRequest.parse(body));
      expect(placed.body.orderId).toBe(orderIdForKey(key, own));
      // And the key keeps that hash where the release before reads it: its instances replay the same body.
      expect(JSON.parse((await h.redis.get(`${h.prefix}:idempotency:${key}`))!)).toMatchObject({ hash: own });
    });

    it('when the promo codes come in another order, then it is the same request', async () => {
      const key = randomUUID();
      const a = await checkout(key, withCodes(['PROMO10', 'SAVE500']));
      const b = await checkout(key, withCodes(['save500', 'promo10']));
      expect([b.status, b.body.orderId]).toEqual([202, a.body.orderId]);
    });
  });

  it('when a nested field differs, then 422 IDEMPOTENCY_KEY_REUSED', async () => {
    const key = randomUUID();
    await checkout(key, buildCheckoutRequest());
    const changed = buildCheckoutRequest({
      customer: { id: 'cust-1', name: 'Ada Lovelace', email: 'ada@other.example' },
    });
    const res = await checkout(key, changed);
    expect(res.status).toBe(422);
    expect(res.body.error).toBe('IDEMPOTENCY_KEY_REUSED');
    // What a UI retrying a corrected cart with its old key must do instead.
    expect(res.body.message).toContain('needs a new key');
    expect(res.body.details).toEqual([
      { field: 'Idempotency-Key', code: 'reused', message: 'used with a different request body' },
    ]);
  });

  it('when the first answer was 422 VALIDATION_FAILED, then it is replayed as a decision', async () => {
    h.fake.answerWith(invalidAnswer([{ code: 'EMPTY_CART', message: 'the cart has no items' }]));
    const key = randomUUID();
    const first = await checkout(key, buildCheckoutRequest());
    h.fake.answerWith(validAnswer);
    const again = await checkout(key, buildCheckoutRequest());
    expect(first.status).toBe(422);
    expect(again.status).toBe(422);
    expect(again.body).toEqual(first.body);
    expect(again.headers['idempotent-replayed']).toBe('true');
  });

  it('when the first attempt got 503, then the key is free and a retry creates the order', async () => {
    const key = randomUUID();
    h.fake.answerWith(() => ({ status: 503, body: {} }));
    const failed = await checkout(key, buildCheckoutRequest());
    h.fake.answerWith(validAnswer);
    const retried = await checkout(key, buildCheckoutRequest());
    expect(failed.status).toBe(503);
    expect(retried.status).toBe(202);
    expect(retried.headers['idempotent-replayed']).toBeUndefined();
  });

  it('when the key cannot be freed after a 503, then the 503 stands and a warning says retries get 409 until the claim lapses', async () => {
    const lines: string[] = [];
    const logger = createLogger('checkout-service', 'warn', { write: (line: string) => void lines.push(line) });
    class UnreleasableStore extends IdempotencyStore {
      override release = () => Promise.reject(new Error('redis away'));
    }
    const app = h.appWith({ logger, idempotency: new UnreleasableStore(h.redis, { prefix: h.prefix }) });
    h.fake.answerWith(() => ({ status: 503, body: {} }));
    const key = randomUUID();
    const failed = await request(app).post('/checkout').set('Idempotency-Key', key).send(buildCheckoutRequest());
    const retried = await checkout(key, buildCheckoutRequest());

    expect(failed.status).toBe(503);
    expect(retried.status).toBe(409);
    const warned = lines.map((l) => JSON.parse(l) as { msg: string; err?: { message: string } });
    expect(warned).toContainEqual(
      expect.objectContaining({
        msg: expect.stringContaining('Idempotency-Key not freed'),
        err: expect.objectContaining({ message: 'redis away' }),
      }),
    );
  });

  it('when the first request is still in flight, then 409 IDEMPOTENCY_KEY_IN_FLIGHT with Retry-After', async () => {
    const key = randomUUID();
    h.fake.answerWith((cart) => ({ ...validAnswer(cart), delayMs: 1000 }));
    const calls = h.fake.calls();
    const first = checkout(key, buildCheckoutRequest()).then((r) => r);
    // The key is claimed before validation is called, so once validation is busy the key is in flight.
    await waitFor(() => h.fake.calls() > calls, { what: 'the first request to reach validation' });
    const second = await checkout(key, buildCheckoutRequest());
    expect(second.status).toBe(409);
    expect(second.body.error).toBe('IDEMPOTENCY_KEY_IN_FLIGHT');
    expect(second.headers['retry-after']).toBe('1');
    expect(second.body.details).toEqual([
      { field: 'Idempotency-Key', code: 'in_flight', message: 'send the same key and body again after Retry-After' },
    ]);
    expect((await first).status).toBe(202);
  });

  it('when Redis lost the key and the order it made (its last writes), then a retry with the same key and body makes that same order again, not a second one', async () => {
    const key = randomUUID();
    const body = buildCheckoutRequest();
    const first = await checkout(key, body);
    const orderId = first.body.orderId as string;
    const announced = await recorder.waitForEvent('order.created', (e) => e.data.orderId === orderId);
    await loseCreatingWrite(key, orderId, body.customer.id);

    const retry = await checkout(key, body);
    expect(retry.status).toBe(202);
    expect(retry.headers['idempotent-replayed']).toBeUndefined(); // nothing was left to replay
    expect(retry.body).toEqual(first.body);
    // Announced again under the same id: inventory and payment dedupe it, and the gateway, keyed by
    // the order id, replays the first charge instead of making a second.
    const again = await recorder.waitForEvent(
      'order.created',
      (e) => e.data.orderId === orderId && e.id !== announced.id,
    );
    expect(again.data).toEqual(announced.data);
    expect((await request(h.app).get(`/orders/${orderId}`)).body.status).toBe('PENDING');
  });

  it("when a refused (422) request was lost with Redis and its retry is accepted, then the accepted order does not share the refusal's id", async () => {
    // Validation may answer otherwise the second time (restocked, repriced): the refusal's
    // order.failed must not be followed by an order.created of the same order.
    const key = randomUUID();
    const body = buildCheckoutRequest();
    h.fake.answerWith(invalidAnswer([{ code: 'EMPTY_CART', message: 'the cart has no items' }]));
    const refused = await checkout(key, body);
    expect(refused.status).toBe(422);
    await loseCreatingWrite(key, refused.body.orderId, body.customer.id);

    h.fake.answerWith(validAnswer);
    const accepted = await checkout(key, body);
    expect(accepted.status).toBe(202);
    expect(accepted.body.orderId).not.toBe(refused.body.orderId);
    // Only an accepted order takes the key's id: a second loss would make this same order again.
    expect(accepted.body.orderId).toBe(orderIdForKey(key, canonicalHash(body)));
  });

  it('when the creating write with a key runs again (ioredis re-sends it after a dropped connection), then it answers created and writes nothing twice', async () => {
    const key = randomUUID();
    const body = buildCheckoutRequest();
    const claim = await h.deps.idempotency.claim(key, { hash: canonicalHash(body) });
    if (claim.kind !== 'claimed') throw new Error(`claim: ${claim.kind}`);
    const orderId = orderIdForKey(key, claim.hash);
    const validated = validAnswer(body.cart).body as ValidateResponse;
    const decision = decideCheckout(orderId, body, validated, new Date().toISOString());
    if (decision.event.type !== 'order.created') throw new Error('the cart was refused');
    const event = createEvent('order.created', decision.event.data, {
      source: '/checkout-service',
      correlationId: randomUUID(),
    });
    const also = h.deps.idempotency.completion(claim, decision.response);
    const addedBefore = await h.outboxAdded();

    expect(await h.orders.create(decision.order, [event], { maxUnpaid: 10, also })).toBe('created');
    // The same write again, as ioredis re-sends it: the key now holds this very decision.
    expect(await h.orders.create(decision.order, [event], { maxUnpaid: 10, also })).toBe('created');
    expect(await h.outboxAdded()).toBe(addedBefore + 1);
    const replay = await checkout(key, body);
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect(replay.body.orderId).toBe(orderId);
  });

  it('when the key expired but the order it made is still kept, then the same key and body make a new order with a fresh id', async () => {
    const key = randomUUID();
    const body = buildCheckoutRequest();
    const first = await checkout(key, body);
    await h.redis.del(`${h.prefix}:idempotency:${key}`); // its 24 h ran out; the order is kept longer

    const later = await checkout(key, body);
    expect(later.status).toBe(202);
    expect(later.body.orderId).not.toBe(first.body.orderId);
    await recorder.waitForEvent('order.created', (e) => e.data.orderId === later.body.orderId);
    for (const id of [first.body.orderId, later.body.orderId]) {
      expect((await request(h.app).get(`/orders/${id}`)).body.status).toBe('PENDING');
    }
    // The key now stands for the new order: a retry replays it.
    const replay = await checkout(key, body);
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect(replay.body).toEqual(later.body);
  });

  it('when the same key comes with another body, then each body names its own order id', async () => {
    const body = buildCheckoutRequest();
    const other = buildCheckoutRequest({ customer: { id: 'cust-2', name: 'Grace', email: 'grace@example.com' } });
    expect(orderIdForKey('k-1', canonicalHash(body))).toBe(orderIdForKey('k-1', canonicalHash(body)));
    expect(orderIdForKey('k-1', canonicalHash(body))).not.toBe(orderIdForKey('k-1', canonicalHash(other)));
    expect(orderIdForKey('k-1', canonicalHash(body))).not.toBe(orderIdForKey('k-2', canonicalHash(body)));
    expect(orderIdForKey('k-1', canonicalHash(body))).toMatch(
      /^ord_[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
  });

  it('when 5 requests with one key run at once, then exactly one order is created', async () => {
    const key = randomUUID();
    h.fake.answerWith((cart) => ({ ...validAnswer(cart), delayMs: 50 }));
    const ordersBefore = (await h.redis.keys(`${h.prefix}:order:*`)).length;
    const results = await Promise.all(Array.from({ length: 5 }, () => checkout(key, buildCheckoutRequest())));

    const created = results.filter((r) => r.status === 202 && r.headers['idempotent-replayed'] === undefined);
    expect(created).toHaveLength(1);
    for (const r of results) expect([202, 409]).toContain(r.status);
    const orderId = created[0]!.body.orderId as string;
    for (const r of results.filter((x) => x.status === 202)) expect(r.body.orderId).toBe(orderId);

    await recorder.waitForEvent('order.created', (e) => e.data.orderId === orderId);
    expect(await h.redis.keys(`${h.prefix}:order:*`)).toHaveLength(ordersBefore + 1);
  });

  it("when the first request stalls past its in-flight claim and a retry places the order, then the first places none and answers with the retry's", async () => {
    // The claim lives 30 s so that a crashed request frees its key. One that only stalled (a paused
    // VM, a long pause) outlived it and placed a second order once it ran again: a second charge.
    const key = randomUUID();
    const body = buildCheckoutRequest({
      customer: { id: `cust-${randomUUID()}`, name: 'Ada', email: 'ada@example.com' },
    });
    let calls = 0;
    // Only the first request's validation is slow: it stands for the stall.
    h.fake.answerWith((cart) => ({ ...validAnswer(cart), delayMs: ++calls === 1 ? 1500 : 0 }));
    const first = checkout(key, body).then((r) => r);
    const claimKey = `${h.prefix}:idempotency:${key}`;
    await waitFor(async () => (await h.redis.get(claimKey))?.includes('in-flight') ?? false, { what: 'the claim' });
    await h.redis.pexpire(claimKey, 1); // its 30 s run out while the request is still alive
    await waitFor(async () => (await h.redis.exists(claimKey)) === 0, { what: 'the claim to expire' });

    const retry = await checkout(key, body);
    expect(retry.status).toBe(202);
    const late = await first;
    expect(late.status).toBe(202);
    expect(late.body).toEqual(retry.body);
    expect(late.headers['idempotent-replayed']).toBe('true');
    expect(await h.redis.smembers(`${h.prefix}:unpaid:${body.customer.id}`)).toEqual([retry.body.orderId]);
  });
});
