import { createHash } from 'node:crypto';
import type { AttemptOutcome, Charge, ChargeLedger } from './charge-ledger';
import type { FaultControl } from './fault-control';
import { boundedMap, DEFAULT_MEMORY_LIMITS, type MemoryLimits } from './memory';
import type { TokenVault } from './token-vault';

export interface ChargeRequest {
  amount: number;
  currency: string;
  source: string;
  orderId: string;
}

/** A decision is final for its idempotency key; `unavailable` is transient and never remembered. */
export type Decision = { kind: 'authorized'; charge: Charge } | { kind: 'declined'; charge: Charge };
export type ChargeResult =
  | (Decision & { replayed: boolean })
  | { kind: 'unavailable'; reason: 'injected' | 'gateway_error' }
  | { kind: 'key_reused' };

interface KeyEntry {
  fingerprint: string;
  decision: Promise<Decision | undefined>;
}

/**
 * What a key's retry must repeat, as at Stripe: any other parameter changed is a different request
 * (the card too). Kept as a hash: `source` is whatever the client sent, a card number at worst.
 */
const fingerprintOf = (r: ChargeRequest) =>
  createHash('sha256')
    .update(JSON.stringify([r.orderId, r.amount, r.currency, r.source]))
    .digest('base64');

export class Gateway {
  /** Idempotency keys, each remembered for a day (or until `max` newer ones): memory.ts. */
  private readonly keys;

  constructor(
    private readonly vault: TokenVault,
    private readonly ledger: ChargeLedger,
    private readonly faults: FaultControl,
    limits: MemoryLimits = DEFAULT_MEMORY_LIMITS,
  ) {
    this.keys = boundedMap<string, KeyEntry>(limits);
  }

  /**
   * Injected faults come before the idempotency replay, so a retry sees them too. A second request
   * with a key still being decided waits for that decision instead of charging again.
   */
  async charge(key: string, req: ChargeRequest, arrivedAt: string): Promise<ChargeResult> {
    const result = await this.decideOnce(key, req);
    if (result.kind !== 'key_reused') this.ledger.attempt(req.orderId, arrivedAt, attemptOutcome(result));
    return result;
  }

  dropped(orderId: string, arrivedAt: string): void {
    this.ledger.attempt(orderId, arrivedAt, 'dropped');
  }

  private async decideOnce(key: string, req: ChargeRequest): Promise<ChargeResult> {
    if (this.faults.takeFailure()) return { kind: 'unavailable', reason: 'injected' };
    const existing = this.keys.get(key);
    if (existing) {
      if (existing.fingerprint !== fingerprintOf(req)) return { kind: 'key_reused' };
      const decision = await existing.decision;
      return decision ? { ...decision, replayed: true } : { kind: 'unavailable', reason: 'gateway_error' };
    }
    const entry: KeyEntry = { fingerprint: fingerprintOf(req), decision: this.decide(req) };
    this.keys.set(key, entry);
    const decision = await entry.decision;
    if (!decision) {
      if (this.keys.get(key) === entry) this.keys.delete(key);
      return { kind: 'unavailable', reason: 'gateway_error' };
    }
    return { ...decision, replayed: false };
  }

  /** undefined: the gateway could not decide (a transient failure). */
  private async decide(req: ChargeRequest): Promise<Decision | undefined> {
    const behaviour = this.vault.get(req.source)?.behaviour ?? 'invalid_card';
    const { orderId, amount, currency } = req;
    if (behaviour === 'gateway_error') return undefined;
    if (behaviour === 'succeed') {
      return { kind: 'authorized', charge: this.ledger.record({ orderId, amount, currency, status: 'authorized' }) };
    }
    return {
      kind: 'declined',
      charge: this.ledger.record({ orderId, amount, currency, status: 'declined', code: behaviour }),
    };
  }
}

function attemptOutcome(result: Exclude<ChargeResult, { kind: 'key_reused' }>): AttemptOutcome {
  if (result.kind === 'unavailable') return 'unavailable';
  return result.replayed ? 'replayed' : result.kind;
}
