import { DEADLINE_LUA, OUTBOX_LUA } from '@checkout/chassis';

/**
 * Stores a new order, its events and (optionally) the idempotency decision in one step, refusing
 * when the customer already holds as many unpaid orders as allowed: the count and the add are one
 * atomic step, so concurrent checkouts of one customer cannot slip past the cap.
 * KEYS: order hash, the customer's unpaid-order set, outbox stream, idempotency key (any key when
 * unused), the open-orders index (a sorted set of orders not yet ended, by when they were accepted,
 * on Redis' clock: what an operator lists to find orders that stopped moving), the re-announcement
 * schedule (a sorted set of open orders by when REANNOUNCE_LUA is due to announce them again).
 * ARGV: deadline (Unix ms, '0' for none), cap ('0' when the order is not unpaid, e.g. FAILED at
 * validation), orderId, idempotency value ('' for none), its TTL in seconds, the value the key must
 * still hold (the request's in-flight claim), how long the order is kept in ms ('0': for good, until
 * it ends; an order FAILED at validation has ended), how long after acceptance an open order is
 * announced again ('0': never), event count n, n outbox records, then field/value pairs.
 * An open order to be announced again keeps its first event as `announcement` until it ends.
 * Returns 1 when stored, 0 when the cap was reached, -1 when the deadline had passed, -2 when the
 * idempotency key holds something else than the claim, -3 when an order with this id exists and
 * the key does not stand for it (nothing written for any of them). An order accepted with a key has
 * the id the key and body derive (orderIdForKey), so -3 is an older order whose key expired before
 * it: the request is a new one and takes a fresh id.
 * The claim lives 30 s so that a crashed request frees its key; a request that only stalled past it
 * (a paused VM, a long pause) finds the key taken by the client's retry, which placed the order:
 * writing a second one would be a second charge for one key. A key that is simply gone (expired,
 * nobody took it) is taken.
 * A run that finds its order already stored (with a key: the key holding this very decision, token
 * and all) answers 1 and writes nothing: ioredis sends a command again when the connection dropped
 * before its answer came, and that second run must neither count the order against its own cap (a
 * 429 for an order that exists) nor emit its events twice.
 * The deadline keeps a 503 true (DEADLINE_LUA): the order the client was told failed is not placed
 * behind its back. The cap is checked before it: a refusal writes nothing, so a run past the
 * deadline (the write sent again after its answer was lost) still answers the customer's 429.
 */
export const CREATE_LUA = `${OUTBOX_LUA}${DEADLINE_LUA}
if ARGV[4] ~= '' then
  local held = redis.call('GET', KEYS[4])
  if held == ARGV[4] then return 1 end
  if held and held ~= ARGV[6] then return -2 end
  if redis.call('EXISTS', KEYS[1]) == 1 then return -3 end
elseif redis.call('EXISTS', KEYS[1]) == 1 then
  return 1
end
local now_ms = redis_now_ms()
local cap = tonumber(ARGV[2])
if cap > 0 and redis.call('SCARD', KEYS[2]) >= cap then return 0 end
if past_deadline(ARGV[1], now_ms) then return -1 end
if cap > 0 then redis.call('SADD', KEYS[2], ARGV[3]) end
local n = tonumber(ARGV[9])
for i = 10, 9 + n do outbox_add(KEYS[3], ARGV[i]) end
local fields = {}
for i = 10 + n, #ARGV do fields[#fields + 1] = ARGV[i] end
redis.call('HSET', KEYS[1], unpack(fields))
if ARGV[7] ~= '0' then
  redis.call('PEXPIRE', KEYS[1], ARGV[7])
else
  redis.call('ZADD', KEYS[5], now_ms, ARGV[3])
  local again_after = tonumber(ARGV[8])
  if again_after > 0 and n > 0 then
    redis.call('HSET', KEYS[1], 'announcement', ARGV[10])
    redis.call('ZADD', KEYS[6], now_ms + again_after, ARGV[3])
  end
end
if ARGV[4] ~= '' then redis.call('SET', KEYS[4], ARGV[4], 'EX', ARGV[5]) end
return 1
`;
