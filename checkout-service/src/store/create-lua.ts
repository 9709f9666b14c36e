import { OUTBOX_LUA } from '@checkout/chassis';

/**
 * Stores a new order, its events and (optionally) the idempotency decision in one step, refusing
 * when the customer already holds as many unpaid orders as allowed: the count and the add are one
 * atomic step, so concurrent checkouts of one customer cannot slip past the cap.
 * KEYS: order hash, the customer's unpaid-order set, outbox stream, idempotency key (any key when unused).
 * ARGV: cap ('0' when the order is not unpaid, e.g. FAILED at validation), orderId,
 * idempotency value ('' for none), its TTL in seconds, event count n, n outbox records, then field/value pairs.
 * Returns 1 when stored, 0 when the cap was reached (nothing written).
 * A run that finds its order already stored answers 1 and writes nothing: ioredis sends a command
 * again when the connection dropped before its answer came, and that second run must neither count
 * the order against its own cap (a 429 for an order that exists) nor emit its events twice.
 */
export const CREATE_LUA = `${OUTBOX_LUA}
if redis.call('EXISTS', KEYS[1]) == 1 then return 1 end
local cap = tonumber(ARGV[1])
if cap > 0 then
  if redis.call('SCARD', KEYS[2]) >= cap then return 0 end
  redis.call('SADD', KEYS[2], ARGV[2])
end
local n = tonumber(ARGV[5])
for i = 6, 5 + n do outbox_add(KEYS[3], ARGV[i]) end
local fields = {}
for i = 6 + n, #ARGV do fields[#fields + 1] = ARGV[i] end
redis.call('HSET', KEYS[1], unpack(fields))
if ARGV[3] ~= '' then redis.call('SET', KEYS[4], ARGV[3], 'EX', ARGV[4]) end
return 1
`;
