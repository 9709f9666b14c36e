import { randomInt } from 'node:crypto';
import { behaviourOf, brandOf, type Behaviour, type Brand } from './cards';
import { boundedMap, DEFAULT_MEMORY_LIMITS, type MemoryLimits } from './memory';

/** All a token keeps: never the card number or the cvc. */
export interface StoredToken {
  id: string;
  last4: string;
  brand: Brand;
  behaviour: Behaviour;
}

const TEST_TOKENS: StoredToken[] = [
  { id: 'tok_visa', last4: '4242', brand: 'visa', behaviour: 'succeed' },
  { id: 'tok_mastercard', last4: '4444', brand: 'mastercard', behaviour: 'succeed' },
  { id: 'tok_insufficient_funds', last4: '0000', brand: 'visa', behaviour: 'insufficient_funds' },
  { id: 'tok_invalid_card', last4: '1111', brand: 'visa', behaviour: 'invalid_card' },
  { id: 'tok_gateway_error', last4: '9999', brand: 'visa', behaviour: 'gateway_error' },
];

const TEST_TOKEN_BY_ID = new Map(TEST_TOKENS.map((t) => [t.id, t]));

const TOKEN_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** `tok_` and 24 letters or digits, as Stripe's are. */
const tokenId = (): string => `tok_${Array.from({ length: 24 }, () => TOKEN_ALPHABET[randomInt(62)]).join('')}`;

/** The test tokens for good; tokens made from card numbers within the limits (memory.ts). */
export class TokenVault {
  private readonly tokens;

  constructor(limits: MemoryLimits = DEFAULT_MEMORY_LIMITS) {
    this.tokens = boundedMap<string, StoredToken>(limits);
  }

  /** Takes a valid card's digits and keeps only what a charge needs later. */
  tokenize(digits: string): StoredToken {
    const last4 = digits.slice(-4);
    const token = {
      id: tokenId(),
      last4,
      brand: brandOf(digits),
      behaviour: behaviourOf(last4),
    };
    this.tokens.set(token.id, token);
    return token;
  }

  get(id: string): StoredToken | undefined {
    return TEST_TOKEN_BY_ID.get(id) ?? this.tokens.get(id);
  }
}
