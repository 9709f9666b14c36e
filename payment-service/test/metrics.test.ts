import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { createMetrics, type RequestContext } from '@checkout/chassis';
import { buildOrderCreated, buildStockReserved } from '@checkout/contracts';
import { waitFor } from '../../test/support';
import { metricValue } from '../../test/support/metrics';
import type { AuthorizeOptions } from '../src/clients/charge-attempts';
import { ChargeInterruptedError } from '../src/clients/charge-errors';
import { createGatewayClient } from '../src/clients/gateway-client';
import { withGatewayMetrics } from '../src/clients/gateway-metrics';
import { startFakeGateway } from './fake-gateway';
import { startPaymentService } from './harness';

let gateway: Awaited<ReturnType<typeof startFakeGateway>>;
beforeAll(async () => {
  gateway = await startFakeGateway();
});
afterAll(() => gateway?.stop());

/** The gateway client as main.ts wires it (to the fake gateway, or `baseURL`), on a registry of this test's own (2 retries: 3 attempts at most). */
const meteredClient = (baseURL = gateway.url) => {
  const metrics = createMetrics('payment-metrics-test');
  const client = withGatewayMetrics(
    createGatewayClient({ baseURL, maxRetries: 2, attemptTimeoutMs: 1000, backoffBaseMs: 5 }),
    metrics,
  );
  const charge = (token: string, ctx?: RequestContext, opts?: AuthorizeOptions) =>
    client.authorize(
      {
        orderId: `ord_${randomUUID()}`,
        amount: 1000,
        currency: 'USD',
        token,
        expiresAt: new Date(Date.now() + 60_000).toISOString(),
      },
      ctx,
      opts,
    );
  const value = async (name: string, labels: Record<string, string> = {}) =>
    metricValue(await metrics.registry.metrics(), name, labels);
  return { client, charge, value };
};

describe('the gateway client as metered', () => {
  it('passes the correlation id and the trace on to the gateway', async () => {
    const { charge } = meteredClient();
    const correlationId = randomUUID();
    const traceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    await charge('tok_visa', { correlationId, traceparent });
    const call = gateway.calls.find((c) => c.correlationId === correlationId);
    expect(call).toBeDefined();
    expect(call?.traceparent).toMatch(/^00-0af7651916cd43dd8448eb211c80319c-[0-9a-f]{16}-01$/);
  });
});

describe('gateway_attempts_total and gateway_retries_total', () => {
  it('when a charge is authorized, then one authorized attempt and no retry are counted', async () => {
    const { charge, value } = meteredClient();
    expect((await charge('tok_visa')).ok).toBe(true);
    expect(await value('gateway_attempts_total', { outcome: 'authorized' })).toBe(1);
    expect(await value('gateway_attempts_total', { outcome: 'error' })).toBe(0);
    expect(await value('gateway_retries_total')).toBe(0);
  });

  it('when the card is declined, then one declined attempt is counted', async () => {
    const { charge, value } = meteredClient();
    await charge('tok_insufficient_funds');
    expect(await value('gateway_attempts_total', { outcome: 'declined' })).toBe(1);
    expect(await value('gateway_retries_total')).toBe(0);
  });

  it('when the gateway keeps failing, then every attempt counts as an error and every retry is counted', async () => {
    const { charge, value } = meteredClient();
    expect(await charge('tok_gateway_error')).toMatchObject({ ok: false, code: 'GATEWAY_ERROR', attempts: 3 });
    expect(await value('gateway_attempts_total', { outcome: 'error' })).toBe(3);
    expect(await value('gateway_retries_total')).toBe(2);
    expect(await value('gateway_attempts_total', { outcome: 'authorized' })).toBe(0);
  });

  it('when a charge is left undecided for the sweeper (here: the service is stopping), then it counts in gateway_charges_undecided_total', async () => {
    const { charge, value } = meteredClient();
    const stop = new AbortController();
    stop.abort();
    await expect(charge('tok_visa', undefined, { stop: stop.signal })).rejects.toBeInstanceOf(ChargeInterruptedError);
    expect(await value('gateway_charges_undecided_total')).toBe(1);
    expect(await value('gateway_attempts_total', { outcome: 'authorized' })).toBe(0);
  });

  it('when a charge is left undecided after its attempts (a 502 to each, no charge listed yet), then they count as errors and its retries as retries', async () => {
    const proxyFailing = await startFakeGateway(() => ({ status: 502, body: {}, undecided: true }));
    try {
      const { charge, value } = meteredClient(proxyFailing.url);
      await expect(charge('tok_visa')).rejects.toBeInstanceOf(ChargeInterruptedError);
      expect(await value('gateway_charges_undecided_total')).toBe(1);
      expect(await value('gateway_attempts_total', { outcome: 'error' })).toBe(3);
      expect(await value('gateway_retries_total')).toBe(2);
    } finally {
      await proxyFailing.stop();
    }
  });
});

describe('gateway_attempts_total, a charge decided without an attempt', () => {
  it('when a resumed call past the expiry makes no attempt and finds the charge by asking, then it counts no attempt', async () => {
    const { client, value } = meteredClient();
    const orderId = `ord_${randomUUID()}`;
    // The dead worker's attempt, charged; the worker that resumes its claim finds it past the expiry.
    const charged = await fetch(`${gateway.url}/v1/charges`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'idempotency-key': orderId },
      body: JSON.stringify({ amount: 1000, currency: 'USD', source: 'tok_visa', orderId }),
    });
    expect(charged.status).toBe(201);
    const expired = new Date(Date.now() - 1000).toISOString();
    const result = await client.authorize(
      { orderId, amount: 1000, currency: 'USD', token: 'tok_visa', expiresAt: expired },
      undefined,
      { resumed: true },
    );
    expect(result).toMatchObject({ ok: true, attempts: 0 });
    expect(await value('gateway_attempts_total', { outcome: 'authorized' })).toBe(0);
    expect(await value('gateway_attempts_total', { outcome: 'error' })).toBe(0);
  });
});

describe('GET /metrics (payment-service)', () => {
  let service: Awaited<ReturnType<typeof startPaymentService>>;
  beforeAll(async () => {
    service = await startPaymentService(gateway.url);
  });
  afterAll(async () => {
    await service?.stop();
  });

  it('when an order is paid, then the service exposes its gateway attempts', async () => {
    const orderId = `ord_${randomUUID()}`;
    await service.publisher.publish('order.created', buildOrderCreated({ orderId }));
    await service.publisher.publish('stock.reserved', buildStockReserved({ orderId }));
    await waitFor(async () => (await request(service.app).get(`/payments/${orderId}`)).body.status === 'AUTHORIZED', {
      what: 'the payment to be authorized',
    });
    const text = (await request(service.app).get('/metrics')).text;
    expect(metricValue(text, 'gateway_attempts_total', { outcome: 'authorized' })).toBeGreaterThanOrEqual(1);
  });
});
