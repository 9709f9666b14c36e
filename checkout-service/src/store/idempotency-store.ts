import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { DEADLINE_LUA, defineScript } from '@checkout/chassis';
import type { AlsoSet } from './order-write-types';

/** A decided response, replayed as it was first sent. */
export interface StoredResponse {
  status: number;
  headers: Record<string, string>;
  body: unknown;
}

/**
 * The request's body hash (its parsed body's own, as every release stored it) and its identity's
 * (the same request however spelled: checkoutIdentity), which one release does not know.
 */
export interface RequestHashes {
  hash: string;
  identity?: string;
}

/** `token` names the request that claimed the key, and then decided it. */
type Entry = RequestHashes &
  ({ state: 'in-flight'; token: string } | { state: 'done'; token: string; response: StoredResponse });

export type ClaimResult =
  | ({ kind: 'claimed'; key: string; token: string; value: string } & RequestHashes)
  | { kind: 'expired' }
  | { kind: 'in-flight' }
  | { kind: 'reused' }
  | { kind: 'replay'; response: StoredResponse };

export type Claim = Extract<ClaimResult, { kind: 'claimed' }>;
/** The key held by another request: what that means for this one. */
export type Held = Extract<ClaimResult, { kind: 'in-flight' | 'reused' | 'replay' }>;

/** What a key held by another request means for this one: the same request if its body or its identity is. */
const held = (raw: string, request: RequestHashes): Held => {
  const entry = JSON.parse(raw) as Entry;
  const same = entry.hash === request.hash || (request.identity !== undefined && entry.identity === request.identity);
  if (!same) return { kind: 'reused' };
  return entry.state === 'done' ? { kind: 'replay', response: entry.response } : { kind: 'in-flight' };
};

/**
 * Claims a key for a request. KEYS: the key. ARGV: the claim's value (unique to the request), its
 * TTL in seconds, a deadline on Redis' clock (DEADLINE_LUA). Returns 1 when the key is this
 * request's now (a resend of the call whose answer a dropped connection lost finds its own value),
 * the value another request holds, or -1 past the deadline (nothing written: the caller timed out
 * and answered 503, so a claim written now would keep the client's retry at 409 for its TTL).
 */
const CLAIM = `${DEADLINE_LUA}
local held = redis.call('GET', KEYS[1])
if held == ARGV[1] then return 1 end
if held then return held end
if past_deadline(ARGV[3]) then return -1 end
redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
return 1
`;

const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end`;

export interface IdempotencyOptions {
  prefix?: string;
  /** How long a decided response is replayed. */
  ttlSeconds?: number;
  /** A claim whose request died (crash) frees itself after this, rather than blocking the key for a day. */
  inFlightTtlSeconds?: number;
  /** The claim's deadline on Redis' clock when issued now (OrderStore.writeDeadline); none by default. */
  deadline?: () => string;
}

/**
 * Idempotency keys under `<prefix>:idempotency:<key>`, global (the API has no caller identity).
 * A key is claimed with SET NX before any work, so concurrent requests with one key make one order.
 */
export class IdempotencyStore {
  private readonly prefix: string;
  private readonly ttl: number;
  private readonly inFlightTtl: number;
  private readonly deadline: () => string;
  private readonly claimScript;

  constructor(
    private readonly redis: Redis,
    opts: IdempotencyOptions = {},
  ) {
    this.prefix = opts.prefix ?? 'checkout';
    this.ttl = opts.ttlSeconds ?? 86_400;
    this.inFlightTtl = opts.inFlightTtlSeconds ?? 30;
    this.deadline = opts.deadline ?? (() => '0');
    this.claimScript = defineScript(redis, 1, CLAIM);
  }

  private redisKey(key: string): string {
    return `${this.prefix}:idempotency:${key}`;
  }

  async claim(key: string, request: RequestHashes): Promise<ClaimResult> {
    const token = randomUUID();
    const value = JSON.stringify({ state: 'in-flight', ...request, token } satisfies Entry);
    const got = await this.claimScript([this.redisKey(key)], value, this.inFlightTtl, this.deadline());
    if (got === 1) return { kind: 'claimed', key, ...request, token, value };
    if (got === -1) return { kind: 'expired' };
    return held(String(got), request);
  }

  /**
   * What the key stands for now, for a request whose claim it no longer holds (it outlived its
   * claim, and the client's retry took the key): that request's answer, or 409 while it runs.
   */
  async taken(claim: Claim): Promise<Held> {
    const raw = await this.redis.get(this.redisKey(claim.key));
    return raw === null || raw === claim.value ? { kind: 'in-flight' } : held(raw, claim);
  }

  /**
   * The decision as a write to make in the same atomic step as the order it describes. It names
   * the request (its claim's token), so the write tells a resend of itself from another request's
   * decision, identical as that may be (a retry of the same body while this one stalled).
   */
  completion(claim: Claim, response: StoredResponse): AlsoSet {
    // An identity left undefined (a claim of the release before) is not written: JSON leaves it out.
    const entry: Entry = { state: 'done', hash: claim.hash, identity: claim.identity, token: claim.token, response };
    return { key: this.redisKey(claim.key), value: JSON.stringify(entry), ttlSeconds: this.ttl, expect: claim.value };
  }

  /** Frees the key after a failure the client may retry (only if it is still our claim). */
  async release(claim: Claim): Promise<void> {
    await this.redis.eval(RELEASE, 1, this.redisKey(claim.key), claim.value);
  }
}
