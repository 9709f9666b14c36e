import { randomUUID } from 'node:crypto';
import request from 'supertest';
import {
  REJECTED,
  RUNS,
  expectFieldNamed,
  expectNoPollution,
  expectSafeAnswer,
  fc,
  hostileQuery,
  hostileString,
  mutationsOf,
  sendJson,
  wholeBodyJunk,
} from '../../test/support/hostile';
import { ADMIN_TOKEN, chargeBody, gatewayApp } from './harness';

const app = gatewayApp();
const allCharges = async () => (await request(app).get('/v1/charges')).body.items.length as number;
const controlSnapshot = async () => JSON.stringify((await request(app).get('/_control')).body);

describe('POST /v1/tokens with hostile bodies', () => {
  const card = { cardNumber: '4242 4242 4242 4242', expMonth: 12, expYear: 2099, cvc: '123' };

  it('when one field of a valid card is hostile, then 201 or 400 naming the field, never echoing the card number', async () => {
    await fc.assert(
      fc.asyncProperty(mutationsOf(card), async (m) => {
        const res = await sendJson(app, 'post', '/v1/tokens', m.text);
        expectSafeAnswer(res, [201, ...REJECTED]);
        expectFieldNamed(res, m);
        expect(JSON.stringify(res.body)).not.toContain('4242 4242');
        expectNoPollution();
      }),
      { numRuns: RUNS },
    );
  });

  it('when the body is junk, then 4xx', async () => {
    await fc.assert(
      fc.asyncProperty(wholeBodyJunk, async (text) => {
        expectSafeAnswer(await sendJson(app, 'post', '/v1/tokens', text), REJECTED);
      }),
      { numRuns: RUNS },
    );
  });
});

describe('POST /v1/charges with hostile bodies', () => {
  /** Anything but a charge decision (201/402/422 replay) records no charge. */
  const chargeWith = async (text: string, key: string) => {
    const before = await allCharges();
    const res = await sendJson(app, 'post', '/v1/charges', text, { 'Idempotency-Key': key });
    expectSafeAnswer(res, [201, 402, 422, ...REJECTED], { stripeStyle: [402, 422] });
    expect(await allCharges()).toBe([201, 402].includes(res.status) ? before + 1 : before);
    expectNoPollution();
    return res;
  };

  it('when one field of a valid charge is hostile, then a decision or 400 naming the field, and a rejection charges nothing', async () => {
    await fc.assert(
      fc.asyncProperty(mutationsOf(chargeBody()), async (m) => {
        expectFieldNamed(await chargeWith(m.text, randomUUID()), m);
      }),
      { numRuns: RUNS * 2 },
    );
  });

  it('when the body is junk, deeply nested or carries prototype keys, then 4xx and nothing is charged', async () => {
    await fc.assert(
      fc.asyncProperty(wholeBodyJunk, async (text) => {
        const res = await chargeWith(text, randomUUID());
        expect(res.status).toBeGreaterThanOrEqual(400);
      }),
      { numRuns: RUNS },
    );
  });

  it('when the Idempotency-Key is hostile, then a decision or 400 naming Idempotency-Key', async () => {
    const headerSafe = hostileString.filter((s) => s.length < 8000 && /^[\t\x20-\x7e\x80-\xff]*$/.test(s));
    await fc.assert(
      fc.asyncProperty(headerSafe, async (key) => {
        const res = await chargeWith(JSON.stringify(chargeBody()), key);
        if (res.status === 400) expect(JSON.stringify(res.body.details)).toContain('Idempotency-Key');
      }),
      { numRuns: RUNS },
    );
  });
});

describe('GET /v1/charges and /v1/charges/attempts with hostile queries', () => {
  it('when the query is hostile, then 200 or 400', async () => {
    await fc.assert(
      fc.asyncProperty(hostileQuery(['orderId']), fc.boolean(), async (query, attempts) => {
        const res = await request(app).get(`/v1/charges${attempts ? '/attempts' : ''}?${query}`);
        expectSafeAnswer(res, [200, 400]);
        expectNoPollution();
      }),
      { numRuns: RUNS },
    );
  });
});

describe('POST /_control with hostile input', () => {
  it('when the admin token is missing or wrong, then 401 and the fault settings are unchanged', async () => {
    const wrongAuth = fc.oneof(
      fc.constant<Record<string, string>>({}),
      fc
        .constantFrom('Bearer', `Bearer:${ADMIN_TOKEN}`, `Basic ${ADMIN_TOKEN}`, ADMIN_TOKEN, `Bearer ${ADMIN_TOKEN}x`)
        .map((a) => ({ Authorization: a })),
      hostileString
        .filter((s) => s.length < 4000 && /^[\x20-\x7e]*$/.test(s) && s.trim() !== ADMIN_TOKEN)
        .map((s) => ({ Authorization: `Bearer ${s}` })),
    );
    await fc.assert(
      fc.asyncProperty(wrongAuth, async (headers) => {
        const before = await controlSnapshot();
        const res = await sendJson(app, 'post', '/_control', '{"failNext":1000,"latencyMs":5000}', headers);
        expectSafeAnswer(res, [401]);
        expect(await controlSnapshot()).toBe(before);
      }),
      { numRuns: RUNS },
    );
  });

  it('when an admin sends a hostile body, then 200 or 400 naming the field', async () => {
    const admin = { Authorization: `Bearer ${ADMIN_TOKEN}` };
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          mutationsOf({ latencyMs: 0, failNext: 0, failRate: 0 }).map((m) => m.text),
          wholeBodyJunk,
        ),
        async (text) => {
          const res = await sendJson(app, 'post', '/_control', text, admin);
          expectSafeAnswer(res, [200, ...REJECTED]);
          expectNoPollution();
        },
      ),
      { numRuns: RUNS },
    );
    // Leave the gateway healthy for whatever runs next in this file.
    await sendJson(app, 'post', '/_control', '{"reset":true}', admin);
  });
});
