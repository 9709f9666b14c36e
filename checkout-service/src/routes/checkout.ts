import { Router, type Request, type Response } from 'express';
import { AppError, contextOf, dependencyUnavailable, parseInput, watchClient, type Logger } from '@checkout/chassis';
import { CheckoutRequest } from '@checkout/contracts';
import { canonicalHash, checkoutIdentity } from '../domain/canonical-hash';
import type { CheckoutResponse } from '../domain/checkout-decision';
import { orderIdForKey } from '../domain/order-id';
import type { Held, IdempotencyStore } from '../store/idempotency-store';
import { idempotencyKeyOf } from './idempotency-key';
import { IdempotencyKeyTaken, placeOrder, type PlaceOrderDeps } from '../usecases/place-order';

/** The Idempotency-Key header and the body: when both are bad, one 400 names every bad field. */
function readInput(req: Request): { key: string | undefined; body: CheckoutRequest } {
  let key: string | undefined;
  let headerError: AppError | undefined;
  try {
    key = idempotencyKeyOf(req);
  } catch (err) {
    if (!(err instanceof AppError)) throw err;
    headerError = err;
  }
  let body: CheckoutRequest;
  try {
    body = parseInput(CheckoutRequest, req.body);
  } catch (err) {
    if (!headerError || !(err instanceof AppError)) throw err;
    const details = [...(headerError.details ?? []), ...(err.details ?? [])] as { field: string }[];
    throw new AppError('BAD_REQUEST', 400, `invalid request: ${details.map((d) => d.field).join(', ')}`, details);
  }
  if (headerError) throw headerError;
  return { key, body };
}

const send = (res: Response, r: CheckoutResponse, replayed = false): void => {
  res.set(r.headers);
  if (replayed) res.set('Idempotent-Replayed', 'true');
  res.status(r.status).json(r.body);
};

/** A key another request holds: its decision replayed, or why this one gets none. */
function answerHeld(res: Response, held: Held): void {
  if (held.kind === 'replay') return send(res, held.response, true);
  if (held.kind === 'reused') {
    throw new AppError(
      'IDEMPOTENCY_KEY_REUSED',
      422,
      'this Idempotency-Key was used with a different request body: a changed request (cart, customer, promo codes or payment) needs a new key',
      [{ field: 'Idempotency-Key', code: 'reused', message: 'used with a different request body' }],
    );
  }
  // A request takes well under a second; one whose process died holds the key until its claim lapses.
  res.set('Retry-After', '1');
  throw new AppError('IDEMPOTENCY_KEY_IN_FLIGHT', 409, 'a request with this Idempotency-Key is still being processed', [
    { field: 'Idempotency-Key', code: 'in_flight', message: 'send the same key and body again after Retry-After' },
  ]);
}

export function checkoutRouter(deps: PlaceOrderDeps & { idempotency: IdempotencyStore; logger?: Logger }): Router {
  const router = Router();
  router.post('/checkout', async (req, res) => {
    const { key, body } = readInput(req);
    const ctx = contextOf(req);
    const clientGone = watchClient(res);
    if (key === undefined) return send(res, await placeOrder(deps, body, ctx, { clientGone }));

    // The body's own hash, which the order id derives from as in every release (ADR 7), and the
    // request's identity, which also names it however spelled (checkoutIdentity).
    const hash = canonicalHash(body);
    const claim = await deps.idempotency.claim(key, { hash, identity: canonicalHash(checkoutIdentity(body)) });
    // Redis ran the claim after its deadline: this request timed out waiting for it, and wrote nothing.
    if (claim.kind === 'expired') throw dependencyUnavailable('redis');
    if (claim.kind !== 'claimed') return answerHeld(res, claim);
    try {
      // 202 and 422 are decisions: they are stored with the order, in the same write.
      const alsoRecord = (response: CheckoutResponse) => deps.idempotency.completion(claim, response);
      // The key and body name an accepted order, so a retry after Redis lost both remakes that same order.
      const orderId = orderIdForKey(key, hash);
      send(res, await placeOrder(deps, body, ctx, { orderId, alsoRecord, clientGone }));
    } catch (err) {
      // This request outlived its claim and the client's retry took the key: answer what it stands for.
      if (err instanceof IdempotencyKeyTaken) return answerHeld(res, await deps.idempotency.taken(claim));
      // Nothing was decided (429, 503, 500, or the client hung up): free the key so the client can retry with it.
      // Not freed (Redis away), it answers 409 until its claim lapses.
      await deps.idempotency
        .release(claim)
        .catch((releaseErr: unknown) =>
          deps.logger?.warn(
            { err: releaseErr, correlationId: ctx.correlationId },
            'Idempotency-Key not freed: retries with it get 409 until its claim lapses',
          ),
        );
      throw err;
    }
  });
  return router;
}
