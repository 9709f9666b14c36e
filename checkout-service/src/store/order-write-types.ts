import type { OrderStatus } from '@checkout/contracts';
import type { OptionalFields } from './order-codec';

export type CreateResult = 'created' | 'too-many-unpaid' | 'expired' | 'key-taken' | 'id-taken';

/** A key/value the creating write sets as well (the idempotency decision). */
export interface AlsoSet {
  key: string;
  value: string;
  ttlSeconds: number;
  /** What the key must still hold (or be gone) for the write to happen: the request's claim. */
  expect: string;
}

export interface CreateOptions {
  /** Refuse a PENDING order when its customer already holds this many unpaid orders; 0: no cap. */
  maxUnpaid: number;
  also?: AlsoSet;
  /**
   * True once the request's client hung up: a write whose answer was lost is then not sent again
   * after a wait for the connection (it could only place an order the client never hears of).
   */
  clientGone?: () => boolean;
}

export type TransitionResult = 'applied' | 'ignored' | 'unknown';

export interface Transition {
  status: OrderStatus;
  at: string;
  /** Set with the move. */
  fields?: OptionalFields;
}
