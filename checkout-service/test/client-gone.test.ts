import http from 'node:http';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { buildCheckoutRequest, type ValidateResponse } from '@checkout/contracts';
import { waitFor } from '../../test/support';
import { metricValue } from '../../test/support/metrics';
import type { ValidationClient } from '../src/clients/validation-client';
import { validAnswer } from './fake-validation';
import { startHarness, type Harness } from './harness';

/**
 * A client that hangs up (its timeout, a closed tab) before its order is written saw a failure and
 * may send the cart again: the order is not written, so a retry does not make a second one.
 */
let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.stop());

/** A validation that answers only once let go, so the client can hang up meanwhile. */
function heldValidation() {
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  let calls = 0;
  const validation: ValidationClient = {
    validate: async (cart) => {
      calls++;
      await released;
      return validAnswer(cart).body as ValidateResponse;
    },
  };
  return { validation, release, calls: () => calls };
}

const abandoned = async () => metricValue(await h.deps.metrics.registry.metrics(), 'checkouts_abandoned_total');
const orderKeys = () => h.redis.keys(`${h.prefix}:order:*`);

/** Sends a checkout over a real socket and hangs up while validation holds it. */
async function checkoutAndHangUp(validation: ReturnType<typeof heldValidation>, body: object, headers = {}) {
  const server = http.createServer(h.appWith({ validation: validation.validation }));
  await once(server.listen(0, '127.0.0.1'), 'listening');
  try {
    const req = http.request({
      port: (server.address() as AddressInfo).port,
      host: '127.0.0.1',
      method: 'POST',
      path: '/checkout',
      headers: { 'content-type': 'application/json', ...headers },
    });
    req.on('error', () => undefined);
    req.end(JSON.stringify(body));
    await waitFor(() => validation.calls() === 1, { what: 'the cart to reach validation' });
    req.destroy();
    await waitFor(
      async () => (await new Promise<number>((r, j) => server.getConnections((e, n) => (e ? j(e) : r(n))))) === 0,
      { what: 'the server to see the client gone' },
    );
  } finally {
    validation.release();
    server.close();
  }
}

const closedByClient = async () =>
  metricValue(await h.deps.metrics.registry.metrics(), 'http_request_duration_seconds_count', {
    method: 'POST',
    route: '/checkout',
    status: '499',
  });

it('when the client hangs up while its cart is validated, then no order is written or emitted, and the checkout counts as abandoned (499)', async () => {
  const before = await abandoned();
  const closedBefore = await closedByClient();
  const addedBefore = await h.outboxAdded();
  await checkoutAndHangUp(heldValidation(), buildCheckoutRequest());
  await waitFor(async () => (await abandoned()) === before + 1, { what: 'the checkout to count as abandoned' });
  expect(await closedByClient()).toBe(closedBefore + 1);
  expect(await orderKeys()).toEqual([]);
  expect(await h.outboxAdded()).toBe(addedBefore);
});

it('when the client that hung up sent an Idempotency-Key, then the key is free again and its retry places the order once', async () => {
  const body = buildCheckoutRequest();
  const key = `gone-${Date.now()}`;
  const before = await abandoned();
  await checkoutAndHangUp(heldValidation(), body, { 'Idempotency-Key': key });
  await waitFor(async () => (await abandoned()) === before + 1, { what: 'the checkout to count as abandoned' });

  // The key is released right after the abandoned write; until then a retry is 409 (in flight).
  const retry = await waitFor(
    async () => {
      const res = await request(h.app).post('/checkout').set('Idempotency-Key', key).send(body);
      return res.status === 409 ? undefined : res;
    },
    { what: 'the key to be released' },
  );
  expect(retry.status).toBe(202);
  expect(await orderKeys()).toEqual([expect.stringContaining(retry.body.orderId)]);
});
