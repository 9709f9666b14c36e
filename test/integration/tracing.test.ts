import { randomBytes } from 'node:crypto';
import { traceIdOf } from '@checkout/chassis';
import { recordTopics, type RecordedMessage } from '../support';
import { checkoutBody, placeOrder, waitForTerminal } from '../support/saga';
import { waitFor } from '../support/wait';

const SAGA = ['order.created', 'stock.reserved', 'payment.authorized', 'order.confirmed'] as const;

let recorder: Awaited<ReturnType<typeof recordTopics>>;
beforeAll(async () => {
  recorder = await recordTopics([...SAGA]);
});
afterAll(async () => {
  await recorder.stop();
});

/** The traceparent header of each saga event of the order, once all of them were published. */
const tracesOf = (orderId: string) =>
  waitFor(
    () => {
      const found = SAGA.map((type) => recorder.messages.find((m) => m.topic === type && m.key === orderId));
      if (found.some((m) => !m)) return undefined;
      return (found as RecordedMessage[]).map((m) => m.headers.traceparent);
    },
    { what: `every saga event of ${orderId}` },
  );

describe('W3C trace context from POST /checkout to order.confirmed', () => {
  it('when the client sends a traceparent, then every event of the saga carries its trace id, each from a span of its own', async () => {
    const traceId = randomBytes(16).toString('hex');
    const traceparent = `00-${traceId}-${randomBytes(8).toString('hex')}-01`;
    const res = await placeOrder(await checkoutBody([['sku-001', 1]]), { traceparent });
    const { orderId } = res.data;
    expect((await waitForTerminal(orderId)).status).toBe('CONFIRMED');

    const headers = await tracesOf(orderId);
    expect(headers.map(traceIdOf)).toEqual(SAGA.map(() => traceId));
    const spanIds = headers.map((h) => h?.split('-')[2]);
    expect(new Set([...spanIds, traceparent.split('-')[2]]).size).toBe(SAGA.length + 1);
  });

  it('when the client sends none, then checkout starts a trace and order.confirmed still carries it', async () => {
    const res = await placeOrder(await checkoutBody([['sku-001', 1]]));
    const { orderId } = res.data;
    expect((await waitForTerminal(orderId)).status).toBe('CONFIRMED');

    const headers = await tracesOf(orderId);
    const traceId = traceIdOf(headers[0]);
    expect(traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(headers.map(traceIdOf)).toEqual(SAGA.map(() => traceId));
  });
});
