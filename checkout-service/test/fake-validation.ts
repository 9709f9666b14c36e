import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { listen } from '@checkout/chassis';
import type { Cart, ValidateResponse, ValidationDetail } from '@checkout/contracts';

type Answer = (cart: Cart) => { status: number; body: unknown; delayMs?: number };

/**
 * Prices every line at the price the client showed: the happy path of validation-service, which
 * still refuses an empty cart as the real one does.
 */
export const validAnswer: Answer = (cart) => {
  const lines = cart.items.map((i) => ({ ...i, unitPrice: i.price, lineTotal: i.price * i.quantity }));
  const subtotal = lines.reduce((s, l) => s + l.lineTotal, 0);
  const empty = cart.items.length === 0;
  const body: ValidateResponse = {
    valid: !empty,
    errors: empty ? [{ code: 'EMPTY_CART', message: 'the cart has no items' }] : [],
    pricing: {
      lines: lines.map(({ productId, quantity, unitPrice, lineTotal }) => ({
        productId,
        quantity,
        unitPrice,
        lineTotal,
      })),
      subtotal,
      discount: 0,
      total: subtotal,
      currency: 'USD',
    },
  };
  return { status: 200, body };
};

export const invalidAnswer =
  (errors: ValidationDetail[]): Answer =>
  (cart) => {
    const { body } = validAnswer(cart) as { body: ValidateResponse };
    return { status: 200, body: { ...body, valid: false, errors } };
  };

/** A stand-in validation-service on a free port; each test sets how it answers. */
export async function startFakeValidation() {
  let answer: Answer = validAnswer;
  let calls = 0;
  const app = express();
  app.use(express.json());
  app.post('/validate', (req, res) => {
    calls++;
    const { status, body, delayMs } = answer((req.body as { cart: Cart }).cart);
    setTimeout(() => res.status(status).json(body), delayMs ?? 0);
  });
  const server: Server = await listen(app, 0, '127.0.0.1');
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    answerWith: (a: Answer) => void (answer = a),
    /** How many validation requests arrived so far. */
    calls: () => calls,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
