import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { waitFor } from '../../test/support';
import { attemptsOf, charge, chargeBody, chargesOf, control, gatewayApp } from './harness';

describe('POST /v1/charges', () => {
  it.each(['tok_visa', 'tok_mastercard'])(
    'when the source is %s, then 201 authorized and one charge is listed',
    async (source) => {
      const app = gatewayApp();
      const body = chargeBody({ source, amount: 1234 });
      const res = await charge(app, body);
      expect(res.status).toBe(201);
      expect(res.body).toEqual({ id: expect.stringMatching(/^ch_/), status: 'authorized', amount: 1234 });
      expect(await chargesOf(app, body.orderId)).toEqual([
        {
          id: res.body.id,
          orderId: body.orderId,
          status: 'authorized',
          amount: 1234,
          currency: 'USD',
          createdAt: expect.any(String),
        },
      ]);
    },
  );

  it.each([
    ['tok_insufficient_funds', 'insufficient_funds'],
    ['tok_invalid_card', 'invalid_card'],
    ['tok_never_issued', 'invalid_card'],
  ])('when the source is %s, then 402 %s and a declined charge is listed', async (source, code) => {
    const app = gatewayApp();
    const body = chargeBody({ source });
    const res = await charge(app, body);
    expect(res.status).toBe(402);
    expect(res.body.error.code).toBe(code);
    expect(await chargesOf(app, body.orderId)).toEqual([expect.objectContaining({ status: 'declined' })]);
  });

  it('when the source is tok_gateway_error, then 503 every time and nothing is listed', async () => {
    const app = gatewayApp();
    const body = chargeBody({ source: 'tok_gateway_error' });
    const key = randomUUID();
    expect((await charge(app, body, key)).status).toBe(503);
    expect((await charge(app, body, key)).status).toBe(503);
    expect(await chargesOf(app, body.orderId)).toEqual([]);
    expect((await attemptsOf(app, body.orderId)).map((a) => a.outcome)).toEqual(['unavailable', 'unavailable']);
  });

  it('when there is no Idempotency-Key, then each request is a charge of its own', async () => {
    const app = gatewayApp();
    const body = chargeBody({ source: 'tok_visa', amount: 700 });
    const first = await charge(app, body, null);
    const second = await charge(app, body, null);
    expect([first.status, second.status]).toEqual([201, 201]);
    expect(first.body.id).not.toBe(second.body.id);
    expect((await chargesOf(app, body.orderId)).map((c: { id: string }) => c.id)).toEqual([
      first.body.id,
      second.body.id,
    ]);
  });

  it('when the Idempotency-Key is empty or longer than 255 characters, then 400 names it', async () => {
    for (const key of ['', 'k'.repeat(256)]) {
      const res = await charge(gatewayApp(), chargeBody(), key);
      expect(res.status).toBe(400);
      expect(res.body.details).toEqual([expect.objectContaining({ field: 'Idempotency-Key' })]);
    }
  });

  it('when a card number comes as the orderId or the Idempotency-Key, then 400 names it and nothing is kept or listed', async () => {
    const app = gatewayApp();
    const pan = '4000056655665556';
    const asOrder = await charge(app, chargeBody({ orderId: pan }));
    const asKey = await charge(app, chargeBody(), pan);
    expect([asOrder.status, asKey.status]).toEqual([400, 400]);
    expect(asOrder.body.details).toEqual([expect.objectContaining({ field: 'orderId' })]);
    expect(asKey.body.details).toEqual([
      expect.objectContaining({ field: 'Idempotency-Key', message: expect.stringMatching(/card number/) }),
    ]);
    expect(JSON.stringify([asOrder.body, asKey.body])).not.toContain(pan);
    const listed = await request(app).get('/v1/charges');
    expect(listed.body.items).toEqual([]);
  });

  it('when the amount is not a positive integer of cents, then 400 names it', async () => {
    const app = gatewayApp();
    for (const amount of [0, -5, 12.5]) {
      const res = await charge(app, chargeBody({ amount }));
      expect(res.status).toBe(400);
      expect(res.body.details).toEqual([expect.objectContaining({ field: 'amount' })]);
    }
  });
});

describe('POST /v1/charges with one Idempotency-Key', () => {
  it('when it is retried, then the first decision is replayed and only one charge exists', async () => {
    const app = gatewayApp();
    const body = chargeBody();
    const key = randomUUID();
    const first = await charge(app, body, key);
    const again = await charge(app, body, key);
    expect(again.status).toBe(201);
    expect(again.body).toEqual(first.body);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(await chargesOf(app, body.orderId)).toHaveLength(1);
    expect((await attemptsOf(app, body.orderId)).map((a) => a.outcome)).toEqual(['authorized', 'replayed']);
  });

  it('when a decline is retried, then the 402 is replayed, not re-decided', async () => {
    const app = gatewayApp();
    const body = chargeBody({ source: 'tok_insufficient_funds' });
    const key = randomUUID();
    await charge(app, body, key);
    const again = await charge(app, body, key);
    expect(again.status).toBe(402);
    expect(again.body.error.code).toBe('insufficient_funds');
    expect(await chargesOf(app, body.orderId)).toHaveLength(1);
  });

  it('when two requests arrive at once, then both get the same charge and only one exists', async () => {
    const app = gatewayApp();
    await control(app, { latencyMs: 50 });
    const body = chargeBody();
    const key = randomUUID();
    const [a, b] = await Promise.all([charge(app, body, key), charge(app, body, key)]);
    expect([a.status, b.status]).toEqual([201, 201]);
    expect(a.body.id).toBe(b.body.id);
    expect(await chargesOf(app, body.orderId)).toHaveLength(1);
  });

  it('when the first answer was a transient 503, then it is not stored and the retry charges afresh', async () => {
    const app = gatewayApp();
    await control(app, { failNext: 1 });
    const body = chargeBody();
    const key = randomUUID();
    expect((await charge(app, body, key)).status).toBe(503);
    const retry = await charge(app, body, key);
    expect(retry.status).toBe(201);
    expect(retry.headers['idempotent-replayed']).toBeUndefined();
    expect(await chargesOf(app, body.orderId)).toHaveLength(1);
    expect((await attemptsOf(app, body.orderId)).map((a) => a.outcome)).toEqual(['unavailable', 'authorized']);
  });

  it('when a gateway error answered first, then the same key is decided afresh later', async () => {
    const app = gatewayApp();
    const body = chargeBody({ source: 'tok_gateway_error' });
    const key = randomUUID();
    expect((await charge(app, body, key)).status).toBe(503);
    expect((await charge(app, { ...body, source: 'tok_visa' }, key)).status).toBe(201);
  });

  it('when it comes with a different amount, order or card, then 422 idempotency_key_reused and nothing is charged', async () => {
    const app = gatewayApp();
    const body = chargeBody();
    const key = randomUUID();
    await charge(app, body, key);
    const otherAmount = await charge(app, { ...body, amount: body.amount + 1 }, key);
    const otherOrder = await charge(app, { ...body, orderId: `${body.orderId}-2` }, key);
    // It replayed the first card's authorization for a card that would have been declined.
    const otherCard = await charge(app, { ...body, source: 'tok_insufficient_funds' }, key);
    expect([otherAmount.status, otherOrder.status, otherCard.status]).toEqual([422, 422, 422]);
    expect(otherAmount.body).toEqual({ error: expect.objectContaining({ code: 'idempotency_key_reused' }) });
    expect(await chargesOf(app, body.orderId)).toHaveLength(1);
    expect(await chargesOf(app, `${body.orderId}-2`)).toEqual([]);
  });
});

describe('POST /v1/charges under injected faults', () => {
  it('when failNext is 2, then two requests answer 503 (retries of one key included) and the third succeeds', async () => {
    const app = gatewayApp();
    await control(app, { failNext: 2 });
    const body = chargeBody();
    const key = randomUUID();
    expect((await charge(app, body, key)).status).toBe(503);
    expect((await charge(app, body, key)).status).toBe(503);
    expect((await charge(app, body, key)).status).toBe(201);
    expect(await chargesOf(app, body.orderId)).toHaveLength(1);
  });

  it('when failNext is set after a decision, then the retry sees the 503 before any replay', async () => {
    const app = gatewayApp();
    const body = chargeBody();
    const key = randomUUID();
    await charge(app, body, key);
    await control(app, { failNext: 1 });
    expect((await charge(app, body, key)).status).toBe(503);
    expect((await charge(app, body, key)).status).toBe(201);
    expect(await chargesOf(app, body.orderId)).toHaveLength(1);
  });

  it('when failRate is above the random draw, then 503; below it, the charge is decided', async () => {
    const app = gatewayApp({ random: () => 0.5 });
    await control(app, { failRate: 0.6 });
    expect((await charge(app, chargeBody())).status).toBe(503);
    await control(app, { failRate: 0.4 });
    expect((await charge(app, chargeBody())).status).toBe(201);
  });

  it('when the client times out during injected latency, then the request is dropped and nothing is charged', async () => {
    const app = gatewayApp();
    await control(app, { latencyMs: 300 });
    const body = chargeBody();
    await expect(charge(app, body).timeout(50)).rejects.toThrow(/timeout/i);
    // Not decided yet: listed as in flight, so a test can wait for it without knowing how many were sent.
    const attemptsNow = async () =>
      (await request(app).get('/v1/charges/attempts').query({ orderId: body.orderId })).body as {
        attempts: { outcome: string }[];
        inFlight: number;
      };
    expect(await attemptsNow()).toMatchObject({ attempts: [], inFlight: 1 });
    const settled = await waitFor(
      async () => {
        const seen = await attemptsNow();
        return seen.inFlight === 0 && seen;
      },
      { what: 'the dropped attempt' },
    );
    expect(settled.attempts.map((a) => a.outcome)).toEqual(['dropped']);
    expect(await chargesOf(app, body.orderId)).toEqual([]);
  });

  it('when latency is injected and the client waits, then the charge is decided after the delay', async () => {
    const app = gatewayApp();
    await control(app, { latencyMs: 100 });
    const started = Date.now();
    const res = await charge(app, chargeBody());
    expect(res.status).toBe(201);
    expect(Date.now() - started).toBeGreaterThanOrEqual(95);
  });
});

describe('GET /v1/charges', () => {
  it('when no orderId is given, then every decision is listed', async () => {
    const app = gatewayApp();
    const [a, b] = [chargeBody(), chargeBody({ source: 'tok_invalid_card' })];
    await charge(app, a);
    await charge(app, b);
    const res = await request(app).get('/v1/charges');
    expect(res.body.items.map((c: { orderId: string; status: string }) => [c.orderId, c.status])).toEqual([
      [a.orderId, 'authorized'],
      [b.orderId, 'declined'],
    ]);
  });
});

describe('GET /v1/charges with a parameter it does not know', () => {
  it.each(['orderId[]=ord_1', 'orderid=ord_1'])(
    "when the query is %s, then 400 names it, not the list of every order's charges",
    async (query) => {
      const res = await request(gatewayApp()).get(`/v1/charges?${query}`);
      expect(res.status).toBe(400);
      expect(res.body.details).toEqual([expect.objectContaining({ field: query.split('=')[0] })]);
    },
  );
});

describe('GET /v1/charges/attempts', () => {
  it('when orderId is missing, then 400 names it', async () => {
    const res = await request(gatewayApp()).get('/v1/charges/attempts');
    expect(res.status).toBe(400);
    expect(res.body.details).toEqual([expect.objectContaining({ field: 'orderId' })]);
  });

  it('when attempts were made, then each is listed in arrival order with its time', async () => {
    const app = gatewayApp();
    const body = chargeBody();
    const key = randomUUID();
    await control(app, { failNext: 1 });
    await charge(app, body, key);
    await charge(app, body, key);
    await charge(app, body, key);
    const attempts = await attemptsOf(app, body.orderId);
    expect(attempts.map((a) => a.outcome)).toEqual(['unavailable', 'authorized', 'replayed']);
    for (const a of attempts) expect(Number.isNaN(Date.parse(a.at))).toBe(false);
  });
});

describe('what the gateway remembers (bounded, as a long-running stand-in must be)', () => {
  const tokenFor = async (app: ReturnType<typeof gatewayApp>) =>
    (
      await request(app)
        .post('/v1/tokens')
        .send({ cardNumber: '4242424242424242', expMonth: 12, expYear: new Date().getUTCFullYear() + 1, cvc: '123' })
    ).body.id as string;

  it('when more orders were charged than it keeps, then the oldest are forgotten and the newest still replay', async () => {
    const app = gatewayApp({ memory: { max: 20, ttlMs: 86_400_000 } });
    const sent: { body: ReturnType<typeof chargeBody>; key: string; id: string }[] = [];
    for (let i = 0; i < 60; i++) {
      const body = chargeBody({ source: await tokenFor(app) });
      const key = randomUUID();
      const res = await charge(app, body, key);
      expect(res.status).toBe(201);
      sent.push({ body, key, id: res.body.id });
    }

    const first = sent[0]!;
    expect(await chargesOf(app, first.body.orderId)).toEqual([]);
    expect(await attemptsOf(app, first.body.orderId)).toEqual([]);
    // Its token is forgotten too: a charge with it now declines as an unknown card.
    expect((await charge(app, chargeBody({ source: first.body.source }))).status).toBe(402);
    expect((await request(app).get('/v1/charges')).body.items).toHaveLength(61);

    const last = sent[sent.length - 1]!;
    const replay = await charge(app, last.body, last.key);
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect(replay.body.id).toBe(last.id);
    // The test tokens are never forgotten.
    expect((await charge(app, chargeBody())).status).toBe(201);
  });

  it('when a key is older than the time it is kept, then it is forgotten', async () => {
    const app = gatewayApp({ memory: { max: 1000, ttlMs: 300 } });
    const body = chargeBody();
    const key = randomUUID();
    const first = await charge(app, body, key);
    expect((await charge(app, body, key)).headers['idempotent-replayed']).toBe('true');

    await waitFor(async () => (await chargesOf(app, body.orderId)).length === 0, { what: 'the order to be forgotten' });
    const again = await charge(app, body, key);
    expect(again.status).toBe(201);
    expect(again.headers['idempotent-replayed']).toBeUndefined();
    expect(again.body.id).not.toBe(first.body.id);
  });
});
