/** KEYS: customer, pending. ARGV: customer JSON. Remembers the customer; returns what waited for it. */
export const REMEMBER_CUSTOMER_LUA = `
redis.call('SET', KEYS[1], ARGV[1], 'NX')
return redis.call('HVALS', KEYS[2])
`;

/**
 * KEYS: customer, pending. ARGV: template, pending JSON. Returns the customer when known; otherwise
 * parks the notification in the same step, so an order.created running concurrently cannot miss it.
 */
export const RESOLVE_OR_DEFER_LUA = `
local customer = redis.call('GET', KEYS[1])
if customer then return customer end
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
return false
`;

/**
 * KEYS: sent marker, order's list. ARGV: record JSON, record id. 1 for the one caller that records
 * it, else 0. The marker holds the record's id, so a re-run of the same call (ioredis re-sends a
 * script whose answer a dropped connection lost) is still that caller's: 1, with nothing added.
 */
export const RECORD_ONCE_LUA = `
if not redis.call('SET', KEYS[1], ARGV[2], 'NX') then
  if redis.call('GET', KEYS[1]) == ARGV[2] then return 1 end
  return 0
end
redis.call('RPUSH', KEYS[2], ARGV[1])
return 1
`;

/** KEYS: sent marker, order's list. ARGV: record JSON. Undoes RECORD_ONCE when the channel failed. */
export const UNRECORD_LUA = `
redis.call('DEL', KEYS[1])
redis.call('LREM', KEYS[2], 1, ARGV[1])
return 1
`;
