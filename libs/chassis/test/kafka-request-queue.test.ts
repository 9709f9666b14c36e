import { createKafka, createLogger } from '../src';

// kafkajs' own class, with the chassis fix applied by createKafka (see request-queue-fix.ts).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const RequestQueue = require('kafkajs/src/network/requestQueue') as new (opts: object) => {
  pending: unknown[];
  inflight: Map<number, unknown>;
  throttledUntil: number;
  throttleCheckTimeoutId: NodeJS.Timeout | null;
  checkPendingRequests(): void;
  destroy(): void;
};

const noopLogger = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

function queue() {
  const q = new RequestQueue({
    maxInFlightRequests: 1,
    requestTimeout: 30_000,
    enforceRequestTimeout: false,
    clientId: 'test',
    broker: 'b:1',
    logger: noopLogger,
  });
  return q;
}

describe('kafkajs request queue (chassis fix for the idle timer loop)', () => {
  beforeAll(() => {
    createKafka({ brokers: ['127.0.0.1:1'], clientId: 'test', logger: createLogger('test', 'silent') });
  });

  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('when nothing is pending, then checking the queue arms no timer', () => {
    const q = queue();
    q.checkPendingRequests();
    expect(q.throttleCheckTimeoutId).toBeNull();
    expect(jest.getTimerCount()).toBe(0);
  });

  it('when a request waits on a broker throttle, then it is sent once the throttle ends', () => {
    const q = queue();
    const request = { expectResponse: true, send: jest.fn() };
    q.pending.push(request);
    q.throttledUntil = Date.now() + 250;
    q.checkPendingRequests();
    expect(jest.getTimerCount()).toBe(1);
    jest.advanceTimersByTime(249);
    expect(request.send).not.toHaveBeenCalled();
    jest.advanceTimersByTime(1);
    expect(request.send).toHaveBeenCalledTimes(1);
    expect(jest.getTimerCount()).toBe(0);
  });

  it('when requests wait for an in-flight slot, then the queue is checked again shortly', () => {
    const q = queue();
    const spy = jest.spyOn(q, 'checkPendingRequests');
    q.inflight.set(1, {});
    q.pending.push({});
    q.checkPendingRequests();
    jest.advanceTimersByTime(10);
    expect(spy.mock.calls.length).toBeGreaterThanOrEqual(2);
    q.pending.length = 0;
    jest.advanceTimersByTime(10);
    expect(jest.getTimerCount()).toBe(0);
  });
});
