import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import express from 'express';

export interface GatewayCall {
  orderId: string;
  idempotencyKey: string | undefined;
  correlationId: string | undefined;
  traceparent: string | undefined;
  source: string;
  amount: number;
  at: number;
}

export interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
  /** Answer only after this long (to provoke the client's timeout). */
  delayMs?: number;
  /** Not a decision: nothing is recorded, a repeat is answered afresh and the look-up lists nothing. */
  undecided?: boolean;
  /**
   * A server error answered after the charge was made (a 500 after the commit, a proxy's 502 or
   * 504): a repeat of the key replays this answer, and the look-up lists the charge, authorized.
   */
  charged?: boolean;
}

/** Like the real mock: the token decides, and one Idempotency-Key is charged at most once. */
const byToken = (call: GatewayCall): Reply => {
  if (call.source === 'tok_insufficient_funds') return { status: 402, body: { error: { code: 'insufficient_funds' } } };
  if (call.source === 'tok_invalid_card') return { status: 402, body: { error: { code: 'invalid_card' } } };
  if (call.source === 'tok_gateway_error') return { status: 503, body: { error: { code: 'unavailable' } } };
  return { status: 201, body: { id: `ch_${call.orderId}`, status: 'authorized', amount: call.amount } };
};

export interface FakeGatewayOptions {
  /**
   * As Stripe: a charge takes its reply's delay to decide, and a request with the Idempotency-Key
   * of one still being decided answers 409 idempotency_key_in_use (without it, the decision is
   * recorded at once and a repeat replays it, as the project's mock gateway does).
   */
  conflictWhileDeciding?: boolean;
}

/** A tiny stand-in for the payment gateway on a free port, recording every call it gets. */
export async function startFakeGateway(
  respond: (call: GatewayCall, n: number) => Reply = byToken,
  { conflictWhileDeciding = false }: FakeGatewayOptions = {},
) {
  const calls: GatewayCall[] = [];
  const decisions = new Map<string, Reply>();
  const deciding = new Set<string>();
  let down = false;
  let chargesDown = false;
  const lookups: string[] = [];
  const app = express();
  app.use(express.json());
  app.use((req, _res, next) => {
    if (req.method === 'GET' && req.path === '/v1/charges') lookups.push(String(req.query.orderId));
    next();
  });
  // An outage: every request, charge or look-up, answers 503 (the decisions made before it stand).
  app.use((_req, res, next) => (down ? void res.status(503).json({ error: { code: 'unavailable' } }) : next()));
  app.post('/v1/charges', async (req, res) => {
    const call: GatewayCall = {
      orderId: req.body.orderId,
      idempotencyKey: req.header('idempotency-key'),
      correlationId: req.header('x-correlation-id'),
      traceparent: req.header('traceparent'),
      source: req.body.source,
      amount: req.body.amount,
      at: Date.now(),
    };
    calls.push(call);
    // As the real mock while it is down: 503 before the key is looked at, nothing replayed.
    if (chargesDown) return void res.status(503).json({ error: { code: 'unavailable' } });
    const key = call.idempotencyKey;
    if (key && deciding.has(key)) return void res.status(409).json({ error: { code: 'idempotency_key_in_use' } });
    const replayed = key ? decisions.get(key) : undefined;
    const reply = replayed ?? respond(call, calls.length);
    const decides =
      (reply.charged || (reply.status < 500 && reply.status !== 429 && !reply.undecided)) && key !== undefined;
    // The decision is kept, not the slowness of the first answer.
    if (decides && !conflictWhileDeciding) decisions.set(key, { ...reply, delayMs: 0 });
    if (decides && conflictWhileDeciding) deciding.add(key);
    if (reply.delayMs) await new Promise((r) => setTimeout(r, reply.delayMs));
    if (decides && conflictWhileDeciding) {
      deciding.delete(key);
      decisions.set(key, { ...reply, delayMs: 0 });
    }
    if (res.destroyed) return;
    res
      .status(reply.status)
      .set(reply.headers ?? {})
      .json(reply.body ?? {});
  });
  // One item per decision, as the real mock lists them.
  app.get('/v1/charges', (req, res) => {
    const decided = decisions.get(String(req.query.orderId));
    const body = decided?.body as { id?: string } | undefined;
    const items = decided
      ? [
          {
            id: body?.id ?? `ch_${String(req.query.orderId)}`,
            orderId: req.query.orderId,
            status: decided.status < 300 || decided.charged ? 'authorized' : 'declined',
          },
        ]
      : [];
    res.json({ items });
  });
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    calls,
    callsFor: (orderId: string) => calls.filter((c) => c.orderId === orderId),
    /** Look-ups (GET /v1/charges) asked about the order, answered or refused. */
    lookupsFor: (orderId: string) => lookups.filter((o) => o === orderId).length,
    /** From now on every request answers 503, or none does again. */
    outage: (on: boolean) => void (down = on),
    /** From now on every charge answers 503 (look-ups still answer), or none does again. */
    chargesDown: (on: boolean) => void (chargesDown = on),
    /** Charge decisions, one per key however often it was retried. */
    chargesFor: (orderId: string) => [...decisions.entries()].filter(([key]) => key === orderId).map(([, r]) => r),
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
