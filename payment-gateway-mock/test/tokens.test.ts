import request from 'supertest';
import { charge, chargeBody, gatewayApp } from './harness';

const nextYear = new Date().getUTCFullYear() + 1;
const card = (cardNumber: string, over: object = {}) => ({
  cardNumber,
  expMonth: 12,
  expYear: nextYear,
  cvc: '123',
  ...over,
});

/** Fakes only the clock (Date): timers and I/O run as usual. */
const fixClockAt = (now: Date) =>
  jest.useFakeTimers({
    now,
    doNotFake: [
      'hrtime',
      'nextTick',
      'performance',
      'queueMicrotask',
      'setImmediate',
      'clearImmediate',
      'setInterval',
      'clearInterval',
      'setTimeout',
      'clearTimeout',
    ],
  });

describe('POST /v1/tokens', () => {
  it('when the card is valid, then 201 with a token, last4 and brand, and never the card number', async () => {
    const res = await request(gatewayApp()).post('/v1/tokens').send(card('4242 4242 4242 4242'));
    expect(res.status).toBe(201);
    expect(res.body).toEqual({ id: expect.stringMatching(/^tok_[A-Za-z0-9]{24}$/), last4: '4242', brand: 'visa' });
    expect(JSON.stringify(res.body)).not.toContain('4242424242424242');
    expect(JSON.stringify(res.headers)).not.toContain('4242424242424242');
  });

  it.each([
    ['5555555555554444', 'mastercard'],
    ['2223003122003222', 'mastercard'],
    ['378282246310005', 'amex'],
    ['6011111111111117', 'unknown'],
  ])('when the number is %s, then the brand is %s', async (cardNumber, brand) => {
    const res = await request(gatewayApp()).post('/v1/tokens').send(card(cardNumber));
    expect(res.body).toMatchObject({ last4: cardNumber.slice(-4), brand });
  });

  it('when the number fails the Luhn check, then 400 names cardNumber without echoing it', async () => {
    const res = await request(gatewayApp()).post('/v1/tokens').send(card('4242424242424241'));
    expect(res.status).toBe(400);
    expect(res.body.details).toEqual([expect.objectContaining({ field: 'cardNumber' })]);
    expect(JSON.stringify(res.body)).not.toContain('4242424242424241');
  });

  it('when the card has expired, then 400 names the expiry field', async () => {
    const now = new Date();
    const lastYear = await request(gatewayApp())
      .post('/v1/tokens')
      .send(card('4242424242424242', { expYear: now.getUTCFullYear() - 1 }));
    expect(lastYear.status).toBe(400);
    expect(lastYear.body.details).toEqual([expect.objectContaining({ field: 'expYear', code: 'expired_card' })]);
  });

  it('when the card expired last month, then 400 names expMonth (on a clock fixed in June)', async () => {
    const year = new Date().getUTCFullYear();
    fixClockAt(new Date(Date.UTC(year, 5, 15, 12)));
    try {
      const lastMonth = await request(gatewayApp())
        .post('/v1/tokens')
        .send(card('4242424242424242', { expYear: year, expMonth: 5 }));
      expect(lastMonth.status).toBe(400);
      expect(lastMonth.body.details).toEqual([expect.objectContaining({ field: 'expMonth', code: 'expired_card' })]);
    } finally {
      jest.useRealTimers();
    }
  });

  it('when the card expires this month, then it is still accepted', async () => {
    const now = new Date();
    const res = await request(gatewayApp())
      .post('/v1/tokens')
      .send(card('4242424242424242', { expYear: now.getUTCFullYear(), expMonth: now.getUTCMonth() + 1 }));
    expect(res.status).toBe(201);
  });

  it('when the JSON is malformed around a card number, then 400 gives the position, never the digits', async () => {
    const res = await request(gatewayApp())
      .post('/v1/tokens')
      .set('Content-Type', 'application/json')
      .send(`{"cardNumber":'4242424242424242',"expMonth":12,"expYear":2030,"cvc":"123"}`);
    expect(res.status).toBe(400);
    expect(res.body.details).toEqual([
      { field: '(body)', code: 'invalid_json', message: expect.stringMatching(/^not valid JSON/) },
    ]);
    expect(res.text).not.toMatch(/4242|"123"/);
  });

  it('when fields are missing or malformed, then 400 names each', async () => {
    const res = await request(gatewayApp()).post('/v1/tokens').send({ cardNumber: 'abc', expMonth: 13 });
    expect(res.status).toBe(400);
    expect(res.body.details.map((d: { field: string }) => d.field).sort()).toEqual([
      'cardNumber',
      'cvc',
      'expMonth',
      'expYear',
    ]);
  });

  it.each([
    ['expMonth', true],
    ['expMonth', [12]],
    ['expMonth', '0x0c'],
    ['expYear', [nextYear]],
    ['expYear', `0x${nextYear.toString(16)}`],
    ['expYear', null],
  ])(
    'when %s is %j (not a whole number or its digits), then 400 names it and no token is issued',
    async (field, value) => {
      const res = await request(gatewayApp())
        .post('/v1/tokens')
        .send(card('4242424242424242', { [field]: value }));
      expect(res.status).toBe(400);
      expect(res.body.details).toEqual([expect.objectContaining({ field })]);
    },
  );

  it('when the expiry comes as digit strings, then they are read as numbers', async () => {
    const res = await request(gatewayApp())
      .post('/v1/tokens')
      .send(card('4242424242424242', { expMonth: '12', expYear: String(nextYear) }));
    expect(res.status).toBe(201);
  });

  it.each([
    ['4242000000000000', 402, 'insufficient_funds'],
    ['4242200000001111', 402, 'invalid_card'],
    ['4242200000009999', 503, undefined],
    ['4242424242424242', 201, undefined],
  ])('when a token is made from %s, then a charge answers %s', async (cardNumber, status, code) => {
    const app = gatewayApp();
    const token = await request(app).post('/v1/tokens').send(card(cardNumber));
    const res = await charge(app, chargeBody({ source: token.body.id }));
    expect(res.status).toBe(status);
    if (code) expect(res.body).toEqual({ error: expect.objectContaining({ code }) });
  });
});
