import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { AlsoSet } from './order-write-types';

/** A decided response, replayed as it was first sent. */
export interface StoredResponse {
  status: number;
  headers: Record<string, string>;
  body: unknown;
}

/** `token` names the request that claimed the key, and then decided it. */
type Entry =
  | { state: 'in-flight'; hash: string; token: string }
  | { state: 'done'; hash: string; token: string; response: StoredResponse };

export type ClaimResult =
  | { kind: 'claimed'; key: string; hash: string; token: string; value: string }
  | { kind: 'in-flight' }
  | { kind: 'reused' }
  | { kind: 'replay'; response: StoredResponse };

export type Claim = Extract<ClaimResult, { kind: 'claimed' }>;

/** What a key held by another request means for one with this body's hash. */
const held = (raw: string, hash: string): Exclude<ClaimResult, Claim> => {
  const entry = JSON.parse(raw) as Entry;
  if (entry.hash !== hash) return { kind: 'reused' };
  return entry.state === 'done' ? { kind: 'replay', response: entry.response } : { kind: 'in-flight' };
};

const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end`;

export interface IdempotencyOptions {
  prefix?: string;
  /** How long a decided response is replayed. */
  ttlSeconds?: number;
  /** A claim whose request died (crash) frees itself after this, rather than blocking the key for a day. */
  inFlightTtlSeconds?: number;
}

/**
 * Idempotency keys under `<prefix>:idempotency:<key>`, global (the API has no caller identity).
 * A key is claimed with SET NX before any work, so concurrent requests with one key make one order.
 */
export class IdempotencyStore {
  private readonly prefix: string;
  private readonly ttl: number;
  private readonly inFlightTtl: number;

  constructor(
    private readonly redis: Redis,
    opts: IdempotencyOptions = {},
  ) {
    this.prefix = opts.prefix ?? 'checkout';
    this.ttl = opts.ttlSeconds ?? 86_400;
    this.inFlightTtl = opts.inFlightTtlSeconds ?? 30;
  }

  private redisKey(key: string): string {
    return `${this.prefix}:idempotency:${key}`;
  }

  async claim(key: string, hash: string): Promise<ClaimResult> {
    const token = randomUUID();
    const value = JSON.stringify({ state: 'in-flight', hash, token } satisfies Entry);
    // A claim released between our SET and GET is simply tried again.
    for (let attempt = 0; attempt < 3; attempt++) {
      if (await this.redis.set(this.redisKey(key), value, 'EX', this.inFlightTtl, 'NX')) {
        return { kind: 'claimed', key, hash, token, value };
      }
      const raw = await this.redis.get(this.redisKey(key));
      if (raw === null) continue;
      // Our own claim: its SET ran, the answer was lost with the connection, and ioredis sent it
      // again after reconnecting (the token makes the value unique to this call).
      if (raw === value) return { kind: 'claimed', key, hash, token, value };
      return held(raw, hash);
    }
    return { kind: 'in-flight' };
  }

  /**
   * What the key stands for now, for a request whose claim it no longer holds (it outlived its
   * claim, and the client's retry took the key): that request's answer, or 409 while it runs.
   */
  async taken(claim: Claim): Promise<Exclude<ClaimResult, Claim>> {
    const raw = await this.redis.get(this.redisKey(claim.key));
    return raw === null || raw === claim.value ? { kind: 'in-flight' } : held(raw, claim.hash);
  }

  /**
   * The decision as a write to make in the same atomic step as the order it describes. It names
   * the request (its claim's token), so the write tells a resend of itself from another request's
   * decision, identical as that may be (a retry of the same body while this one stalled).
   */
  completion(claim: Claim, response: StoredResponse): AlsoSet {
    const entry: Entry = { state: 'done', hash: claim.hash, token: claim.token, response };
    return { key: this.redisKey(claim.key), value: JSON.stringify(entry), ttlSeconds: this.ttl, expect: claim.value };
  }

  /** Frees the key after a failure the client may retry (only if it is still our claim). */
  async release(claim: Claim): Promise<void> {
    await this.redis.eval(RELEASE, 1, this.redisKey(claim.key), claim.value);
  }
}
