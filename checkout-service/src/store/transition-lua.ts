import { OUTBOX_LUA } from '@checkout/chassis';

/**
 * Moves an order forward and records the event it causes, in one step; a terminal status also
 * takes the order out of its customer's unpaid set (the cap of open orders per customer).
 * KEYS: order hash, outbox stream. ARGV: status, rank, at, outbox record ('' for none),
 * unpaid-set key prefix (the customer id is read from the order, so the key cannot be declared),
 * then field/value pairs to set (paymentId, code, reason, stage).
 * Returns 1 when applied, 0 when the order already ranks as high (late or duplicate), -1 unknown.
 */
export const TRANSITION_LUA = `${OUTBOX_LUA}
local RANK = { PENDING = 0, STOCK_RESERVED = 1, CONFIRMED = 2, FAILED = 2 }
local current = redis.call('HGET', KEYS[1], 'status')
if not current then return -1 end
if (RANK[current] or 2) >= tonumber(ARGV[2]) then return 0 end
local history = cjson.decode(redis.call('HGET', KEYS[1], 'history') or '[]')
table.insert(history, { status = ARGV[1], at = ARGV[3] })
redis.call('HSET', KEYS[1], 'status', ARGV[1], 'history', cjson.encode(history))
for i = 6, #ARGV, 2 do
  redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1])
end
if ARGV[1] == 'CONFIRMED' or ARGV[1] == 'FAILED' then
  local customer = redis.call('HGET', KEYS[1], 'customerId')
  local orderId = redis.call('HGET', KEYS[1], 'orderId')
  if customer and orderId then redis.call('SREM', ARGV[5] .. customer, orderId) end
end
if ARGV[4] ~= '' then outbox_add(KEYS[2], ARGV[4]) end
return 1
`;
