import { randomHex } from '@checkout/chassis';
import { boundedMap, DEFAULT_MEMORY_LIMITS, type MemoryLimits } from './memory';

export type ChargeStatus = 'authorized' | 'declined';
export type DeclineCode = 'insufficient_funds' | 'invalid_card';
export type AttemptOutcome = ChargeStatus | 'unavailable' | 'replayed' | 'dropped';

export interface Charge {
  id: string;
  orderId: string;
  status: ChargeStatus;
  amount: number;
  currency: string;
  createdAt: string;
  code?: DeclineCode;
}

export interface Attempt {
  at: string;
  outcome: AttemptOutcome;
}

const LIST_CAP = 1000;

/**
 * Charge decisions (one per idempotency key) and every request attempt, per order, for the orders
 * seen within the limits (memory.ts); the unfiltered list holds the last LIST_CAP charges.
 */
export class ChargeLedger {
  private charges: Charge[] = [];
  private readonly byOrder;
  private readonly attempts;
  /** Requests still being decided (or waiting out injected latency), per order. */
  private readonly open = new Map<string, number>();

  constructor(limits: MemoryLimits = DEFAULT_MEMORY_LIMITS) {
    this.byOrder = boundedMap<string, Charge[]>(limits);
    this.attempts = boundedMap<string, Attempt[]>(limits);
  }

  record(fields: Omit<Charge, 'id' | 'createdAt'>): Charge {
    const charge: Charge = {
      id: `ch_${randomHex(12)}`,
      createdAt: new Date().toISOString(),
      ...fields,
    };
    this.charges.push(charge);
    if (this.charges.length >= 2 * LIST_CAP) this.charges = this.charges.slice(-LIST_CAP);
    this.byOrder.set(charge.orderId, [...(this.byOrder.get(charge.orderId) ?? []), charge]);
    return charge;
  }

  list(orderId?: string): Charge[] {
    return orderId === undefined ? this.charges.slice(-LIST_CAP) : (this.byOrder.get(orderId) ?? []);
  }

  attempt(orderId: string, at: string, outcome: AttemptOutcome): void {
    this.attempts.set(orderId, [...(this.attempts.get(orderId) ?? []), { at, outcome }]);
  }

  /** A request for the order arrived; `ended` once it is answered or dropped (its attempt recorded). */
  began(orderId: string): void {
    this.open.set(orderId, (this.open.get(orderId) ?? 0) + 1);
  }

  ended(orderId: string): void {
    const left = (this.open.get(orderId) ?? 1) - 1;
    if (left > 0) this.open.set(orderId, left);
    else this.open.delete(orderId);
  }

  /** Requests for the order not decided yet: their attempts are not listed until they are. */
  inFlight(orderId: string): number {
    return this.open.get(orderId) ?? 0;
  }

  /** In arrival order, though a slow request may finish after a later one. */
  attemptsOf(orderId: string): Attempt[] {
    return [...(this.attempts.get(orderId) ?? [])].sort((a, b) => a.at.localeCompare(b.at));
  }
}
