import { randomUUID } from 'node:crypto';
import request from 'supertest';
import {
  CheckoutRejected,
  OrderCreated,
  OrderFailed,
  buildCheckoutRequest,
  buildOrderCreated,
  createEvent,
  toKafkaRecord,
  type ValidateResponse,
  type ValidationDetail,
} from '@checkout/contracts';
import { recordTopics } from '../../test/support';
import { OrderStore } from '../src/store/order-store';
import { invalidAnswer, validAnswer } from './fake-validation';
import { startHarness, type Harness } from './harness';

let h: Harness;
let recorder: Awaited<ReturnType<typeof recordTopics>>;

beforeAll(async () => {
  h = await startHarness();
  recorder = await recordTopics(['order.created', 'order.failed']);
});
afterAll(async () => {
  await recorder.stop();
  await h.stop();
});
beforeEach(() => h.fake.answerWith(validAnswer));

const orderKeys = async () => (await h.redis.keys(`${h.prefix}:order:*`)).sort();
const checkout = (body: unknown, correlationId: string = randomUUID()) =>
  request(h.app)
    .post('/checkout')
    .set('x-correlation-id', correlationId)
    .send(body as object);

describe('POST /checkout', () => {
  it('when the cart is valid, then 202 PENDING with Location, and order.created carries the correlation id', async () => {
    const correlationId = randomUUID();
    const body = buildCheckoutRequest({
      cart: { items: [{ productId: 'sku-001', quantity: 2, price: 2499 }], promoCodes: [], currency: 'USD' },
    });
    const res = await checkout(body, correlationId);

    expect(res.status).toBe(202);
    expect(res.body).toEqual({
      orderId: expect.stringMatching(/^ord_[0-9a-f-]{36}$/),
      status: 'PENDING',
      total: 4998,
      currency: 'USD',
    });
    expect(res.headers.location).toBe(`/orders/${res.body.orderId}`);

    const event = await recorder.waitForEvent('order.created', (e) => e.data.orderId === res.body.orderId);
    expect(OrderCreated.safeParse(event.data).success).toBe(true);
    expect(event.correlationId).toBe(correlationId);
    expect(event.source).toBe('/checkout-service');
    expect(event.data).toMatchObject({
      customer: body.customer,
      items: [{ productId: 'sku-001', quantity: 2, unitPrice: 2499 }],
      subtotal: 4998,
      discount: 0,
      total: 4998,
      payment: { token: 'tok_visa' },
    });
  });

  it('when the request spells a promo code or an e-mail domain its own way, then order.created carries them as applied', async () => {
    const body = buildCheckoutRequest({
      cart: {
        items: [{ productId: 'sku-001', quantity: 1, price: 1999 }],
        promoCodes: ['promo10', 'PROMO10'],
        currency: 'USD',
      },
      customer: { id: 'c1', name: 'Ada', email: 'ada@Bücher.de' },
    });
    const res = await checkout(body);
    expect(res.status).toBe(202);

    const event = await recorder.waitForEvent('order.created', (e) => e.data.orderId === res.body.orderId);
    expect(event.data).toMatchObject({
      promoCodes: ['PROMO10'],
      customer: { id: 'c1', name: 'Ada', email: 'ada@xn--bcher-kva.de' },
    });
  });

  it('when the order was accepted, then GET /orders/:id shows it PENDING with its priced items', async () => {
    const res = await checkout(buildCheckoutRequest());
    const order = await request(h.app).get(res.headers.location!);
    expect(order.status).toBe(200);
    expect(order.body).toEqual({
      orderId: res.body.orderId,
      status: 'PENDING',
      items: [{ productId: 'sku-001', quantity: 1, unitPrice: 1999 }],
      total: 1999,
      currency: 'USD',
      history: [{ status: 'PENDING', at: expect.any(String) }],
    });
  });

  it('when the order is unknown, then GET /orders/:id is 404 naming orderId', async () => {
    const res = await request(h.app).get('/orders/ord_nope');
    expect(res.status).toBe(404);
    expect(res.body.details).toEqual([{ field: 'orderId', code: 'not_found', message: 'order ord_nope not found' }]);
  });
});

describe('POST /checkout when validation rejects the cart', () => {
  const cases: ValidationDetail[] = [
    { code: 'UNKNOWN_PRODUCT', productId: 'sku-999', message: 'product sku-999 does not exist' },
    {
      code: 'PRICE_MISMATCH',
      productId: 'sku-001',
      expected: 2499,
      got: 1999,
      message: 'price of sku-001 is 2499, not 1999',
    },
    {
      code: 'INSUFFICIENT_STOCK',
      productId: 'sku-001',
      requested: 5,
      available: 2,
      message: 'only 2 of sku-001 in stock',
    },
    { code: 'INVALID_PROMO_CODE', promoCode: 'FREE', message: 'promo code FREE is not valid' },
    { code: 'EMPTY_CART', message: 'the cart has no items' },
  ];

  it.each(cases)(
    'when the error is $code, then 422 passes it through with the orderId of order.failed',
    async (detail) => {
      h.fake.answerWith(invalidAnswer([detail]));
      const correlationId = randomUUID();
      const res = await checkout(buildCheckoutRequest(), correlationId);

      expect(res.status).toBe(422);
      expect(res.body).toEqual({
        error: 'VALIDATION_FAILED',
        message: expect.any(String),
        orderId: expect.stringMatching(/^ord_/),
        details: [detail],
      });
      // The shape docs/architecture/openapi.json gives this answer.
      expect(CheckoutRejected.safeParse(res.body).success).toBe(true);
      const failed = await recorder.waitForEvent('order.failed', (e) => e.data.orderId === res.body.orderId);
      expect(OrderFailed.safeParse(failed.data).success).toBe(true);
      expect(failed.data).toEqual({
        orderId: res.body.orderId,
        stage: 'validation',
        code: detail.code,
        reason: detail.message,
      });
      expect(failed.correlationId).toBe(correlationId);
      const order = await request(h.app).get(`/orders/${res.body.orderId}`);
      expect(order.body).toMatchObject({ status: 'FAILED', code: detail.code, reason: detail.message });
    },
  );

  it('when the unknown product id is a card number, then neither the stored order, order.failed nor the answer repeats it', async () => {
    const pan = '4111111111111111';
    h.fake.answerWith(
      invalidAnswer([{ code: 'UNKNOWN_PRODUCT', productId: pan, message: `product ${pan} does not exist` }]),
    );
    const res = await checkout(buildCheckoutRequest());
    expect(res.status).toBe(422);
    expect(res.body.details).toEqual([
      { code: 'UNKNOWN_PRODUCT', productId: '[card number]', message: 'product [card number] does not exist' },
    ]);
    const failed = await recorder.waitForEvent('order.failed', (e) => e.data.orderId === res.body.orderId);
    expect(failed.data.reason).toBe('product [card number] does not exist');
    expect(JSON.stringify(await h.redis.hgetall(`${h.prefix}:order:${res.body.orderId}`))).not.toContain(pan);
    expect(res.text).not.toContain(pan);
  });

  it('when a product the catalog knows has an id shaped like a card number (a GTIN), then its detail names it as it is', async () => {
    const gtin = '4006381333924'; // passes the Luhn check, 13 digits
    const detail = {
      code: 'PRICE_MISMATCH' as const,
      productId: gtin,
      expected: 2499,
      got: 1999,
      message: `price of ${gtin} is 2499, not 1999`,
    };
    h.fake.answerWith(invalidAnswer([detail]));
    const res = await checkout(buildCheckoutRequest());
    expect(res.status).toBe(422);
    expect(res.body.details).toEqual([detail]);
  });

  it('when there are several errors, then all are details and the first one is the code', async () => {
    const errors: ValidationDetail[] = [
      { code: 'PRICE_MISMATCH', productId: 'sku-001', expected: 2499, got: 1999, message: 'wrong price' },
      { code: 'INVALID_PROMO_CODE', promoCode: 'FREE', message: 'bad code' },
    ];
    h.fake.answerWith(invalidAnswer(errors));
    const res = await checkout(buildCheckoutRequest());
    expect(res.body.details).toEqual(errors);
    const failed = await recorder.waitForEvent('order.failed', (e) => e.data.orderId === res.body.orderId);
    expect(failed.data.code).toBe('PRICE_MISMATCH');
    // A marker queued behind whatever the request wrote, on the order's key (so its partition):
    // once it was recorded, an order.created for the order would have been recorded too.
    const marker = createEvent('order.created', buildOrderCreated(), { source: '/test', correlationId: 'marker' });
    await h.redis.xadd(h.outbox.stream, '*', 'r', JSON.stringify({ ...toKafkaRecord(marker), key: res.body.orderId }));
    h.outbox.kick();
    await recorder.waitForEvent('order.created', (e) => e.id === marker.id);
    expect(recorder.events('order.created').filter((e) => e.subject === res.body.orderId)).toEqual([]);
  });
});

describe('POST /checkout with malformed input', () => {
  const valid = buildCheckoutRequest();
  const withItem = (item: object) => ({ ...valid, cart: { items: [{ ...valid.cart.items[0], ...item }] } });
  const cases: [string, string, unknown][] = [
    ['a zero quantity', 'cart.items[0].quantity', withItem({ quantity: 0 })],
    ['a negative quantity', 'cart.items[0].quantity', withItem({ quantity: -1 })],
    ['a fractional quantity', 'cart.items[0].quantity', withItem({ quantity: 1.5 })],
    ['a quantity of the wrong type', 'cart.items[0].quantity', withItem({ quantity: '2' })],
    ['a non-integer price', 'cart.items[0].price', withItem({ price: 19.99 })],
    ['a missing email', 'customer.email', { ...valid, customer: { id: 'c1', name: 'Ada' } }],
    ['a malformed email', 'customer.email', { ...valid, customer: { ...valid.customer, email: 'not-an-email' } }],
    ['a mailbox in Unicode', 'customer.email', { ...valid, customer: { ...valid.customer, email: 'adä@bücher.de' } }],
    ['no payment token', 'payment.token', { ...valid, payment: {} }],
  ];

  it.each(cases)('when the body has %s, then 400 BAD_REQUEST names %s', async (_what, field, body) => {
    const res = await checkout(body);
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('BAD_REQUEST');
    expect(res.body.details).toEqual(expect.arrayContaining([expect.objectContaining({ field })]));
  });

  it('when a price is in dollars (19.99) or a quantity has a fraction, then the 400 says what is expected, not "expected int"', async () => {
    const res = await checkout({
      ...valid,
      cart: { items: [{ productId: 'sku-001', quantity: 1.5, price: 19.99 }] },
    });
    expect(res.status).toBe(400);
    expect(res.body.details).toEqual([
      { field: 'cart.items[0].quantity', code: 'invalid_type', message: 'a whole number' },
      { field: 'cart.items[0].price', code: 'invalid_type', message: 'a whole number of cents (19.99 USD is 1999)' },
    ]);
  });

  it('when every line of a 100-line cart has unknown fields, then the 400 names ten in all and counts the rest', async () => {
    const line = { productId: 'sku-001', quantity: 1, price: 2499 };
    const extra = Object.fromEntries([...Array(11).keys()].map((i) => [`x${i}`, i]));
    const items = Array.from({ length: 100 }, () => ({ ...line, ...extra }));
    const res = await checkout({ ...valid, cart: { items } });
    expect(res.status).toBe(400);
    expect(res.body.details).toHaveLength(11);
    expect(res.body.details[0]).toEqual({
      field: 'cart.items[0].x0',
      code: 'unrecognized_keys',
      message: 'unknown field',
    });
    expect(res.body.details[10]).toEqual({
      field: '*',
      code: 'unrecognized_keys',
      message: '1090 more unknown fields',
    });
    expect(res.body.message).toMatch(/cart\.items\[0\]\.x9 and 1090 more unknown fields$/);
  });

  it('when raw card fields are sent, then 400 names them without echoing their values', async () => {
    const res = await checkout({
      ...valid,
      payment: { token: 'tok_visa', cardNumber: '4242424242424242', cvc: '123' },
    });
    expect(res.status).toBe(400);
    expect(res.body.details.map((d: { field: string }) => d.field).join(',')).toContain('payment.cardNumber');
    expect(res.body.details.map((d: { field: string }) => d.field).join(',')).toContain('payment.cvc');
    expect(res.text).not.toContain('4242424242424242');
    expect(res.text).not.toContain('"123"');
  });

  it('when the JSON is malformed, then 400 BAD_REQUEST', async () => {
    const res = await request(h.app).post('/checkout').set('Content-Type', 'application/json').send('{"cart": ');
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('BAD_REQUEST');
  });

  it('when the body is larger than 100 kB, then 413', async () => {
    const huge = JSON.stringify({ ...valid, padding: 'x'.repeat(2 * 1024 * 1024) });
    const res = await request(h.app).post('/checkout').set('Content-Type', 'application/json').send(huge);
    expect(res.status).toBe(413);
  });

  it.each([
    ['empty', ''],
    ['longer than 255 characters', 'k'.repeat(256)],
  ])('when the Idempotency-Key is %s, then 400 names the header', async (_what, key) => {
    const res = await checkout(valid).set('Idempotency-Key', key);
    expect(res.status).toBe(400);
    expect(res.body.details).toEqual([expect.objectContaining({ field: 'Idempotency-Key' })]);
  });
});

/**
 * The contract: no card number is ever logged, emitted or stored. A shopper who types their card
 * into the wrong field, or a client that sends one as a token, a key or a correlation id, had it
 * stored in Redis, logged by four services and sent to every consumer in order.created (a probe).
 */
describe('POST /checkout with a card number where none belongs', () => {
  const valid = buildCheckoutRequest();
  const cases: [string, string, string, unknown][] = [
    [
      'the name, spaced as printed',
      'customer.name',
      '4111 1111 1111 1111',
      { ...valid, customer: { ...valid.customer, name: '4111 1111 1111 1111' } },
    ],
    [
      'the customer id',
      'customer.id',
      '5555555555554444',
      { ...valid, customer: { ...valid.customer, id: '5555555555554444' } },
    ],
    ['the token', 'payment.token', '4000056655665556', { ...valid, payment: { token: 'tok_4000056655665556' } }],
    [
      'the email address',
      'customer.email',
      '4111111111111111',
      { ...valid, customer: { ...valid.customer, email: '4111111111111111@example.com' } },
    ],
    [
      'a promo code',
      'cart.promoCodes[0]',
      '4012888888881881',
      { ...valid, cart: { ...valid.cart, promoCodes: ['4012888888881881'] } },
    ],
  ];

  it.each(cases)(
    'when it is in %s, then 400 names %s without repeating it, and nothing is stored',
    async (_where, field, pan, body) => {
      const before = await orderKeys();
      const res = await checkout(body);
      expect(res.status).toBe(400);
      expect(res.body.details).toEqual([
        expect.objectContaining({ field, message: expect.stringContaining('card number') }),
      ]);
      expect(res.text).not.toContain(pan);
      expect(await orderKeys()).toEqual(before);
    },
  );

  it('when it is the Idempotency-Key, then 400 names the header, and no key is stored', async () => {
    const res = await checkout(valid).set('Idempotency-Key', '5105105105105100');
    expect(res.status).toBe(400);
    expect(res.body.details).toEqual([
      expect.objectContaining({ field: 'Idempotency-Key', message: expect.stringContaining('use a UUID') }),
    ]);
    expect(res.text).not.toContain('5105105105105100');
    expect(await h.redis.keys('*5105105105105100*')).toEqual([]);
  });

  it('when it is the x-correlation-id, then the order goes through under a generated one, and order.created does not carry it', async () => {
    const res = await checkout(valid, '4916338506082832');
    expect(res.status).toBe(202);
    expect(res.headers['x-correlation-id']).toMatch(/^[0-9a-f-]{36}$/);
    const event = await recorder.waitForEvent('order.created', (e) => e.data.orderId === res.body.orderId);
    expect(event.correlationId).toBe(res.headers['x-correlation-id']);
  });

  it.each([
    ['a snowflake id of 19 digits (no card scheme starts with 1)', { id: '1234567890123456789' }, randomUUID()],
    ['a 13-digit numeric id passing the Luhn check', { id: '6207553863874' }, randomUUID()],
    ['a number in the name that fails the Luhn check', { name: 'Ada, flat 4111 1111 1111 1112' }, randomUUID()],
    ['a hex correlation id with a long run of digits inside', {}, 'a18e3a00b22033688542238883cd6ff9'],
    // A uuid of digits only: its groups are not joined across the dashes.
    ['a uuid of digits only as correlation id', {}, '41111111-1111-1111-1111-111111111111'],
  ])('when the request holds %s, then the order goes through as sent', async (_what, customer, correlationId) => {
    const res = await checkout({ ...valid, customer: { ...valid.customer, ...customer } }, correlationId);
    expect(res.status).toBe(202);
    expect(res.headers['x-correlation-id']).toBe(correlationId);
  });

  it('when the Idempotency-Key is hex with a long run of digits inside, then it is taken', async () => {
    const res = await checkout(valid).set('Idempotency-Key', `a18e3a00b22033688542238883cd6ff9-${randomUUID()}`);
    expect(res.status).toBe(202);
  });
});

/** Names and ids are text: blank ones, line breaks, NULs and bidi overrides were accepted and stored (a probe). */
describe('POST /checkout with a customer name or id that is not text', () => {
  const valid = buildCheckoutRequest();
  const withCustomer = (fields: object) => ({ ...valid, customer: { ...valid.customer, ...fields } });
  it.each([
    ['a blank name', 'customer.name', { name: '   ' }],
    ['a line break in the name', 'customer.name', { name: 'x\r\nSubject: hi' }],
    ['a NUL in the name', 'customer.name', { name: 'Ada\u0000' }],
    ['a line separator in the name', 'customer.name', { name: 'Ada\u2028Lovelace' }],
    ['a name of zero-width characters only', 'customer.name', { name: '\u200b\u200b' }],
    ['a name of Hangul fillers only', 'customer.name', { name: '\u3164\u3164' }],
    ['a right-to-left override in the name', 'customer.name', { name: 'Ada \u202egnp.exe' }],
    ['a lone surrogate in the name', 'customer.name', { name: 'Ada \ud800' }],
    ['bytes that were not UTF-8 in the name', 'customer.name', { name: 'Ada \ufffd' }],
    ['a blank id', 'customer.id', { id: ' ' }],
    ['a line break in the id', 'customer.id', { id: 'c1\n' }],
  ])('when the body has %s, then 400 names %s', async (_what, field, fields) => {
    const res = await checkout(withCustomer(fields));
    expect(res.status).toBe(400);
    expect(res.body.details).toEqual([expect.objectContaining({ field })]);
  });

  it('when the name is in any script, with accents, an apostrophe or an emoji joined by zero-width joiners, then it is accepted', async () => {
    const res = await checkout(withCustomer({ name: "José Ñúñez-O'Brien 李小龍 \u200cمهسا 👨\u200d👩\u200d👧" }));
    expect(res.status).toBe(202);
  });
});

describe('POST /checkout when validation-service cannot answer', () => {
  it.each([
    ['is down', () => h.validationAt('http://127.0.0.1:1', 500)],
    ['answers 500', () => (h.fake.answerWith(() => ({ status: 500, body: {} })), h.deps.validation)],
    [
      'calls an empty cart valid',
      () => (
        h.fake.answerWith(() => {
          const pricing = { lines: [], subtotal: 0, discount: 0, total: 0, currency: 'USD' };
          const body: ValidateResponse = { valid: true, errors: [], pricing };
          return { status: 200, body };
        }),
        h.deps.validation
      ),
    ],
    [
      'is too slow',
      () => (h.fake.answerWith((c) => ({ ...validAnswer(c), delayMs: 1000 })), h.validationAt(h.fake.url, 100)),
    ],
  ])('when it %s, then 503 DEPENDENCY_UNAVAILABLE, nothing stored and nothing emitted', async (_what, client) => {
    const before = await orderKeys();
    const addedBefore = await h.outboxAdded();
    const res = await request(h.appWith({ validation: client() }))
      .post('/checkout')
      .send(buildCheckoutRequest());

    expect(res.status).toBe(503);
    expect(res.body.error).toBe('DEPENDENCY_UNAVAILABLE');
    expect(await orderKeys()).toEqual(before);
    // Every event leaves through the outbox, written with the state: nothing added, nothing emitted.
    expect(await h.outboxAdded()).toBe(addedBefore);
  });
});

describe('POST /checkout when Redis runs the creating write after its window', () => {
  const customer = () => ({ id: `cust-${randomUUID()}`, name: 'Ada', email: 'ada@example.com' });
  const realNow = Date.now.bind(Date);
  /** A store with a 1 s window that has read Redis' clock, and an app on it. */
  const appWithWindow = async () => {
    const orders = new OrderStore(h.redis, h.outbox, h.prefix, 1000);
    await orders.readClock();
    return h.appWith({ orders });
  };

  // What a stalled Redis does: the script queued behind the stall runs once the server resumes,
  // after the request gave up. Here this process' clock says the request started 5 s ago, so the
  // write arrives past the 1 s window it was given.
  it('then 503 DEPENDENCY_UNAVAILABLE, nothing stored or emitted, and the Idempotency-Key is free for the retry', async () => {
    const app = await appWithWindow();
    const body = buildCheckoutRequest({ customer: customer() });
    const key = randomUUID();
    const correlationId = randomUUID();
    const addedBefore = await h.outboxAdded();
    const lateClock = jest.spyOn(Date, 'now').mockImplementation(() => realNow() - 5000);
    let res;
    try {
      res = await request(app)
        .post('/checkout')
        .set('x-correlation-id', correlationId)
        .set('Idempotency-Key', key)
        .send(body);
    } finally {
      lateClock.mockRestore();
    }

    expect(res.status).toBe(503);
    expect(res.body.error).toBe('DEPENDENCY_UNAVAILABLE');
    expect(await h.redis.scard(`${h.prefix}:unpaid:${body.customer.id}`)).toBe(0);
    // Every event leaves through the outbox, written with the state: nothing added, nothing emitted.
    expect(await h.outboxAdded()).toBe(addedBefore);
    const retry = await request(app).post('/checkout').set('Idempotency-Key', key).send(body);
    expect(retry.status).toBe(202);
    expect(retry.headers['idempotent-replayed']).toBeUndefined();
    expect(await h.redis.scard(`${h.prefix}:unpaid:${body.customer.id}`)).toBe(1);
    expect(await h.outboxAdded()).toBe(addedBefore + 1);
    await recorder.waitForEvent('order.created', (e) => e.data.orderId === retry.body.orderId);
    expect(recorder.messages.filter((m) => m.headers['x-correlation-id'] === correlationId)).toEqual([]);
  });

  it("when this host's clock runs 5 s behind Redis', then orders are still accepted (the deadline is set on Redis' clock)", async () => {
    const slowClock = jest.spyOn(Date, 'now').mockImplementation(() => realNow() - 5000);
    try {
      const app = await appWithWindow();
      const res = await request(app)
        .post('/checkout')
        .send(buildCheckoutRequest({ customer: customer() }));
      expect(res.status).toBe(202);
    } finally {
      slowClock.mockRestore();
    }
  });
});

const pricedLines = [{ productId: 'sku-001', quantity: 1, unitPrice: 1999, lineTotal: 1999 }];
const pricing = (lines: typeof pricedLines) => {
  const subtotal = lines.reduce((s, l) => s + l.lineTotal, 0);
  return { lines, subtotal, discount: 0, total: subtotal, currency: 'USD' };
};

describe('POST /checkout when validation answers 200 with a self-contradicting verdict', () => {
  // ARCHITECTURE.md: 503 DEPENDENCY_UNAVAILABLE "when validation cannot be reached (nothing emitted)";
  // validation-client.ts: "anything but a well-formed 200 is a 503 here". A verdict that says
  // invalid but names no error is not a well-formed answer: checkout must neither accept the order
  // (202 + order.created for a cart validation refused) nor crash with a 500.
  // ValidateResponse (libs/contracts) requires the verdict and its errors to agree: before it did,
  // valid:false with no errors was taken as valid (202) or crashed on an empty order (500).
  it.each([
    ['valid:false, no errors, no priced lines', { valid: false, errors: [], pricing: pricing([]) }],
    ['valid:false, no errors, priced lines', { valid: false, errors: [], pricing: pricing(pricedLines) }],
    [
      'valid:true yet an error listed',
      {
        valid: true,
        errors: [
          { code: 'INSUFFICIENT_STOCK', productId: 'sku-001', requested: 1, available: 0, message: 'none left' },
        ],
        pricing: pricing(pricedLines),
      },
    ],
  ])(
    'when the verdict is %s, then 503 DEPENDENCY_UNAVAILABLE, nothing stored or emitted, and the key is free',
    async (_what, body) => {
      h.fake.answerWith(() => ({ status: 200, body }));
      const before = await orderKeys();
      const addedBefore = await h.outboxAdded();
      const key = randomUUID();
      const correlationId = randomUUID();
      const customer = { id: `cust-${randomUUID()}`, name: 'Ada', email: 'ada@example.com' };
      const req = buildCheckoutRequest({ customer });
      const res = await request(h.app)
        .post('/checkout')
        .set('x-correlation-id', correlationId)
        .set('Idempotency-Key', key)
        .send(req);

      expect({ status: res.status, error: res.body.error }).toEqual({ status: 503, error: 'DEPENDENCY_UNAVAILABLE' });
      expect(await orderKeys()).toEqual(before);
      expect(await h.redis.scard(`${h.prefix}:unpaid:${customer.id}`)).toBe(0);
      expect(await h.outboxAdded()).toBe(addedBefore);

      // The key is free: a retry once validation is healthy places the order, not a replay.
      h.fake.answerWith(validAnswer);
      const retry = await request(h.app).post('/checkout').set('Idempotency-Key', key).send(req);
      expect(retry.status).toBe(202);
      expect(retry.headers['idempotent-replayed']).toBeUndefined();
      await recorder.waitForEvent('order.created', (e) => e.data.orderId === retry.body.orderId);
      expect(recorder.messages.filter((m) => m.headers['x-correlation-id'] === correlationId)).toEqual([]);
    },
  );
});

describe('POST /checkout 400 lists each bad field', () => {
  // ARCHITECTURE.md: 400 BAD_REQUEST "for malformed input (details list each bad field)".
  // The per-product quantity limit is a refinement of Cart, which zod skips once the object has an
  // issue unless told otherwise: a bad currency hid the over-limit line. (A line whose own fields
  // have the wrong type still stops it: zod aborts there, and the limit is named on the next try.)
  it('when the currency is not USD and one product exceeds 1000000 across its lines, then both fields are named', async () => {
    const body = {
      ...buildCheckoutRequest(),
      cart: {
        currency: 'EUR',
        items: [
          { productId: 'sku-001', quantity: 1_000_000, price: 2499 },
          { productId: 'sku-001', quantity: 1, price: 2499 },
        ],
      },
    };
    const res = await request(h.app).post('/checkout').send(body);
    expect(res.status).toBe(400);
    const fields = (res.body.details as { field: string }[]).map((d) => d.field);
    expect(fields).toEqual(expect.arrayContaining(['cart.currency', 'cart.items[1].quantity']));
  });

  // The Idempotency-Key header used to be checked (and thrown) before the body was parsed.
  it('when the Idempotency-Key header and a body field are both bad, then both are named', async () => {
    const body = { ...buildCheckoutRequest(), customer: { id: 'c1', name: 'Ada', email: 'not-an-email' } };
    const res = await request(h.app).post('/checkout').set('Idempotency-Key', 'k'.repeat(256)).send(body);
    expect(res.status).toBe(400);
    const fields = (res.body.details as { field: string }[]).map((d) => d.field);
    expect(fields).toEqual(expect.arrayContaining(['Idempotency-Key', 'customer.email']));
  });
});
