import { Router } from 'express';
import { AppError, parseInput } from '@checkout/chassis';
import { isExpired, luhnValid } from '../domain/cards';
import type { TokenVault } from '../domain/token-vault';
import { TokenRequest } from './schemas';

const badCard = (field: string, code: string, message: string) =>
  new AppError('BAD_REQUEST', 400, `invalid card: ${field}`, [{ field, code, message }]);

export function tokensRouter(vault: TokenVault): Router {
  const router = Router();
  router.post('/v1/tokens', (req, res) => {
    const card = parseInput(TokenRequest, req.body);
    if (!luhnValid(card.cardNumber))
      throw badCard('cardNumber', 'incorrect_number', 'the card number fails the Luhn check');
    if (isExpired(card.expMonth, card.expYear)) {
      const field = card.expYear < new Date().getUTCFullYear() ? 'expYear' : 'expMonth';
      throw badCard(field, 'expired_card', 'the card has expired');
    }
    const { id, last4, brand } = vault.tokenize(card.cardNumber);
    res.status(201).json({ id, last4, brand });
  });
  return router;
}
