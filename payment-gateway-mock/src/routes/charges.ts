import { randomUUID } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { Router, type Response } from 'express';
import { AppError, parseInput, watchClient } from '@checkout/chassis';
import type { ChargeLedger } from '../domain/charge-ledger';
import type { FaultControl } from '../domain/fault-control';
import type { ChargeResult, Gateway } from '../domain/gateway';
import { ChargeBody, IdempotencyKey, OrderQuery } from './schemas';

export function chargesRouter(gateway: Gateway, ledger: ChargeLedger, faults: FaultControl): Router {
  const router = Router();
  router.post('/v1/charges', async (req, res) => {
    faults.countRequest();
    const arrivedAt = new Date().toISOString();
    // Optional, as at Stripe: without one, the request is a charge of its own that no retry can replay.
    const key = IdempotencyKey.safeParse(req.header('idempotency-key') ?? `auto_${randomUUID()}`);
    if (!key.success) {
      // A length, or a card number (the refinement's own message).
      const message = key.error.issues.find((i) => i.code === 'custom')?.message ?? '1-255 characters';
      throw new AppError('BAD_REQUEST', 400, `invalid Idempotency-Key header: ${message}`, [
        { field: 'Idempotency-Key', code: 'invalid_idempotency_key', message },
      ]);
    }
    const body = parseInput(ChargeBody, req.body);
    const gone = watchClient(res);
    ledger.began(body.orderId);
    try {
      if (faults.latencyMs > 0) await delay(faults.latencyMs);
      if (gone()) {
        gateway.dropped(body.orderId, arrivedAt);
        return;
      }
      send(res, await gateway.charge(key.data, body, arrivedAt));
    } finally {
      ledger.ended(body.orderId);
    }
  });
  router.get('/v1/charges', (req, res) => {
    const { orderId } = parseInput(OrderQuery, req.query, 'query');
    res.json({ items: ledger.list(orderId).map(({ code: _code, ...charge }) => charge) });
  });
  router.get('/v1/charges/attempts', (req, res) => {
    const { orderId } = parseInput(OrderQuery.required(), req.query, 'query');
    res.json({ orderId, attempts: ledger.attemptsOf(orderId), inFlight: ledger.inFlight(orderId) });
  });
  return router;
}

function send(res: Response, result: ChargeResult): void {
  switch (result.kind) {
    case 'authorized':
      if (result.replayed) res.setHeader('Idempotent-Replayed', 'true');
      res.status(201).json({ id: result.charge.id, status: 'authorized', amount: result.charge.amount });
      return;
    case 'declined':
      if (result.replayed) res.setHeader('Idempotent-Replayed', 'true');
      res
        .status(402)
        .json({ error: { code: result.charge.code, message: 'the card was declined', charge: result.charge.id } });
      return;
    case 'unavailable':
      res
        .status(503)
        .json({ error: { code: 'gateway_unavailable', message: 'the gateway is temporarily unavailable' } });
      return;
    case 'key_reused':
      res.status(422).json({
        error: { code: 'idempotency_key_reused', message: 'this Idempotency-Key was used with a different request' },
      });
  }
}
