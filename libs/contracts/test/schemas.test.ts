import {
  CheckoutRequest,
  EVENT_BUILDERS,
  EVENT_SCHEMAS,
  EVENT_TYPES,
  HEADER_MAX_CHARS,
  buildCheckoutRequest,
  createEvent,
  fromKafkaMessage,
  toKafkaRecord,
} from '../src';

describe.each(EVENT_TYPES)('event schema %s', (type) => {
  const schema = EVENT_SCHEMAS[type];
  const valid = () => EVENT_BUILDERS[type]() as Record<string, unknown>;

  it('when given its builder output, then it accepts it', () => {
    expect(schema.safeParse(valid()).success).toBe(true);
  });

  it.each(Object.keys(EVENT_BUILDERS[type]()))('when %s is missing, then it rejects the event', (field) => {
    const data = valid();
    delete data[field];
    expect(schema.safeParse(data).success).toBe(false);
  });

  it('when an unknown field is added, then it rejects the event (a producer emits only what it means to)', () => {
    expect(schema.safeParse({ ...valid(), surprise: true }).success).toBe(false);
  });

  it.each(Object.keys(EVENT_BUILDERS[type]()))('when %s has the wrong type, then it rejects the event', (field) => {
    const data = valid();
    data[field] = typeof data[field] === 'string' ? 42 : 'not-the-right-type';
    expect(schema.safeParse(data).success).toBe(false);
  });
});

describe('money', () => {
  it('when an amount is fractional, then order.created rejects it', () => {
    const data = EVENT_BUILDERS['order.created']({ total: 19.99 });
    expect(EVENT_SCHEMAS['order.created'].safeParse(data).success).toBe(false);
  });
});

describe('CheckoutRequest', () => {
  it('accepts the builder output and defaults the currency to USD', () => {
    const parsed = CheckoutRequest.parse({
      ...buildCheckoutRequest(),
      cart: { items: [{ productId: 'sku-001', quantity: 1, price: 1 }] },
    });
    expect(parsed.cart.currency).toBe('USD');
  });

  it('when the e-mail domain is in Unicode, then it is taken in its ASCII form, the same domain every mail server accepts', () => {
    const customer = { id: 'c', name: 'n', email: 'ada@Bücher.de' };
    const parsed = CheckoutRequest.parse({ ...buildCheckoutRequest(), customer });
    expect(parsed.customer.email).toBe('ada@xn--bcher-kva.de');
  });

  it.each([
    ['Thai', 0x0e50],
    ['Devanagari', 0x0966],
    ['Arabic-Indic', 0x0660],
  ])(
    'when the e-mail domain is a card number in %s digits, then it is refused as a card number, not taken in its ASCII form',
    (_, zero) => {
      const digits = '4111111111111111'.replace(/\d/g, (d) => String.fromCodePoint(zero + Number(d)));
      const customer = { id: 'c', name: 'n', email: `ada@${digits}.de` };
      const result = CheckoutRequest.safeParse({ ...buildCheckoutRequest(), customer });
      expect(result.error?.issues).toEqual([
        expect.objectContaining({ path: ['customer', 'email'], message: expect.stringMatching(/card number/) }),
      ]);
    },
  );

  it('when the mailbox (before the @) is in Unicode, then the address is refused, saying why', () => {
    const customer = { id: 'c', name: 'n', email: 'adä@bücher.de' };
    const result = CheckoutRequest.safeParse({ ...buildCheckoutRequest(), customer });
    expect(result.error?.issues).toEqual([
      expect.objectContaining({
        path: ['customer', 'email'],
        message: expect.stringMatching(/before @ must be ASCII/),
      }),
    ]);
  });

  it.each([
    ['raw card number', { payment: { token: 'tok_visa', cardNumber: '4242424242424242' } }],
    ['zero quantity', { cart: { items: [{ productId: 'sku-001', quantity: 0, price: 1 }] } }],
    ['fractional price', { cart: { items: [{ productId: 'sku-001', quantity: 1, price: 1.5 }] } }],
    ['bad email', { customer: { id: 'c', name: 'n', email: 'nope' } }],
    ['bad Unicode domain', { customer: { id: 'c', name: 'n', email: 'ada@bü..de' } }],
  ])('rejects a %s', (_name, override) => {
    expect(CheckoutRequest.safeParse({ ...buildCheckoutRequest(), ...override }).success).toBe(false);
  });
});

describe('CloudEvents binary mode', () => {
  it('when an event is encoded and decoded, then attributes and data survive', () => {
    const event = createEvent('order.created', EVENT_BUILDERS['order.created'](), {
      source: '/checkout-service',
      correlationId: 'corr-1',
    });
    const record = toKafkaRecord(event);
    expect(record.topic).toBe('order.created');
    expect(record.key).toBe(event.data.orderId);
    expect(record.headers).toMatchObject({
      ce_specversion: '1.0',
      ce_id: event.id,
      ce_type: 'order.created',
      ce_source: '/checkout-service',
      ce_subject: event.data.orderId,
      'content-type': 'application/json',
      'x-correlation-id': 'corr-1',
    });
    const headers = Object.fromEntries(Object.entries(record.headers).map(([k, v]) => [k, Buffer.from(v)]));
    expect(fromKafkaMessage({ headers, value: Buffer.from(record.value) })).toEqual(event);
  });

  it('keys stock.updated by productId', () => {
    const event = createEvent('stock.updated', EVENT_BUILDERS['stock.updated'](), { source: '/x', correlationId: 'c' });
    expect(toKafkaRecord(event).key).toBe('sku-001');
  });

  it('when a newer producer added fields (events change only additively), then a consumer drops them and reads the rest', () => {
    const data = EVENT_BUILDERS['order.created']();
    const added = {
      ...data,
      giftWrap: true,
      items: data.items.map((i) => ({ ...i, warehouse: 'north' })),
      customer: { ...data.customer, tier: 'gold' },
    };
    const headers = { ce_type: 'order.created', ce_id: 'newer-1' };
    expect(fromKafkaMessage({ headers, value: JSON.stringify(added) }).data).toEqual(data);
  });

  it('when an added field comes with a field of the wrong type, then it is still a schema violation', () => {
    const value = JSON.stringify({ ...EVENT_BUILDERS['order.created'](), giftWrap: true, total: 'free' });
    expect(() => fromKafkaMessage({ headers: { ce_type: 'order.created', ce_id: '1' }, value })).toThrow(
      expect.objectContaining({ reason: 'SCHEMA_VIOLATION' }),
    );
  });

  it.each([
    ['NOT_JSON', { ce_type: 'order.created', ce_id: '1' }, 'not json'],
    ['UNKNOWN_TYPE', { ce_type: 'order.exploded', ce_id: '1' }, '{}'],
    ['SCHEMA_VIOLATION', { ce_type: 'order.created', ce_id: '1' }, '{"orderId":"x"}'],
  ])('when a message is poison, then decoding fails with %s', (reason, headers, value) => {
    expect(() => fromKafkaMessage({ headers, value })).toThrow(expect.objectContaining({ reason }));
  });

  it.each(['ce_id', 'ce_source', 'ce_subject', 'ce_time', 'traceparent'])(
    'when %s is longer than HEADER_MAX_CHARS, then decoding fails with HEADER_TOO_LONG, naming it without quoting it',
    (name) => {
      const value = JSON.stringify(EVENT_BUILDERS['order.created']());
      const headers = { ce_type: 'order.created', ce_id: '1', [name]: 'x'.repeat(HEADER_MAX_CHARS + 1) };
      expect(() => fromKafkaMessage({ headers, value })).toThrow(
        expect.objectContaining({ reason: 'HEADER_TOO_LONG', message: `${name} is 257 characters, more than 256` }),
      );
      headers[name] = 'x'.repeat(HEADER_MAX_CHARS);
      expect(fromKafkaMessage({ headers, value }).type).toBe('order.created');
    },
  );

  it.each(['ce_id', 'ce_source', 'ce_subject', 'ce_time'])(
    'when %s holds a card number, then decoding fails with CARD_NUMBER, naming the header without quoting it',
    (name) => {
      const value = JSON.stringify(EVENT_BUILDERS['order.created']());
      const headers = { ce_type: 'order.created', ce_id: '1', [name]: 'order 4111*1111*1111*1111' };
      expect(() => fromKafkaMessage({ headers, value })).toThrow(
        expect.objectContaining({ reason: 'CARD_NUMBER', message: `${name} holds a card number` }),
      );
    },
  );

  it('when a product id the catalog may use (a GTIN) looks like a card number, then its stock.updated, keyed by it, is still read', () => {
    const productId = '4012345678901239';
    const value = JSON.stringify(EVENT_BUILDERS['stock.updated']({ productId }));
    const headers = { ce_type: 'stock.updated', ce_id: '1', ce_subject: productId };
    expect(fromKafkaMessage({ headers, value }).subject).toBe(productId);
  });

  it('when a traceparent span id happens to be 16 Luhn-valid digits, then the event is still read', () => {
    // Random hex: about one span id in 37,000 is such digits, and our own relay decodes what it sends.
    const traceparent = '00-0af7651916cd43dd8448eb211c80319c-5690504875837424-01';
    const value = JSON.stringify(EVENT_BUILDERS['order.created']());
    const event = fromKafkaMessage({ headers: { ce_type: 'order.created', ce_id: '1', traceparent }, value });
    expect(event.traceparent).toBe(traceparent);
  });

  it('when ce_type is a card number, then the error quotes it masked', () => {
    const headers = { ce_type: '5105 1051 0510 5100', ce_id: '1' };
    expect(() => fromKafkaMessage({ headers, value: '{}' })).toThrow('unknown ce_type "[card number]"');
  });

  it('when ce_type is unknown and long, then the error quotes 64 characters of it', () => {
    const headers = { ce_type: 't'.repeat(100_000), ce_id: '1' };
    expect(() => fromKafkaMessage({ headers, value: '{}' })).toThrow(`unknown ce_type "${'t'.repeat(64)}…"`);
  });

  it('when x-correlation-id is not a correlation id, then the event id stands in for it, as an HTTP request gets a new one', () => {
    const value = JSON.stringify(EVENT_BUILDERS['order.created']());
    const read = (correlation: string) =>
      fromKafkaMessage({ headers: { ce_type: 'order.created', ce_id: 'e-1', 'x-correlation-id': correlation }, value })
        .correlationId;
    for (const kept of ['req-42:a.b_c', 'order#1', 'abc/123', 'a b', 'c'.repeat(128)]) expect(read(kept)).toBe(kept);
    for (const replaced of [
      'c'.repeat(129),
      'has space\nand a newline',
      ' edge',
      'tab\there',
      'caf\u00e9',
      '4111*1111*1111*1111',
    ])
      expect(read(replaced)).toBe('e-1');
  });
});
