/**
 * Turns a RESERVED reservation into sold stock. KEYS: reservation, expiries.
 * ARGV: prefix, orderId, now ISO. `available` does not change, so nothing is emitted; versions
 * still bump because every level change does. Returns 'COMMITTED' or the status that prevented it.
 */
export const COMMIT_LUA = `
local order_id = ARGV[2]
local status = redis.call('HGET', KEYS[1], 'status')
if status ~= 'RESERVED' then return status or 'UNKNOWN' end
for _, it in ipairs(cjson.decode(redis.call('HGET', KEYS[1], 'items'))) do
  local key = stock_key(ARGV[1], it.productId)
  redis.call('HINCRBY', key, 'reserved', -it.quantity)
  redis.call('HINCRBY', key, 'sold', it.quantity)
  redis.call('HINCRBY', key, 'version', 1)
end
redis.call('HSET', KEYS[1], 'status', 'COMMITTED', 'committedAt', ARGV[3])
redis.call('ZREM', KEYS[2], order_id)
return 'COMMITTED'
`;
