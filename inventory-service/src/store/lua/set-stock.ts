/**
 * Admin: sets `available` (creating an unknown product with nothing reserved or sold), bumps the
 * version and emits stock.updated. KEYS: stock, products, outbox. ARGV: productId, available,
 * event meta JSON. Returns available, reserved, sold, version.
 */
export const SET_STOCK_LUA = `
local product_id, available = ARGV[1], tonumber(ARGV[2])
redis.call('HSET', KEYS[1], 'available', available)
redis.call('HSETNX', KEYS[1], 'reserved', 0)
redis.call('HSETNX', KEYS[1], 'sold', 0)
local version = redis.call('HINCRBY', KEYS[1], 'version', 1)
redis.call('SADD', KEYS[2], product_id)
outbox_add(KEYS[3], event_record('stock.updated', product_id,
  { productId = product_id, available = available, version = version, reason = 'admin' }, cjson.decode(ARGV[3])))
return redis.call('HMGET', KEYS[1], 'available', 'reserved', 'sold', 'version')
`;
