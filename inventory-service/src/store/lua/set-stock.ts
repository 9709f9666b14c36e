import { DEADLINE_LUA } from '@checkout/chassis';

/**
 * Admin: sets `available`, bumps the version and emits stock.updated. An unknown product is created
 * with nothing reserved or sold, at first_version(). KEYS: stock, products, outbox. ARGV: productId,
 * available, event meta JSON, expected version ('' for any: the If-Match of the request), deadline
 * on Redis' clock (DEADLINE_LUA: past it, a request that timed out and answered 503 sets nothing).
 * Returns available, reserved, sold, version; or { 'stale', current version or '' } when the
 * expected version is not the product's, or { 'expired' } past the deadline (nothing written).
 * The product keeps the id of the stock.updated event its last set wrote (a new id per call): a
 * re-run of the same call (ioredis re-sends a script whose answer a dropped connection lost) finds
 * its own write and answers the item without writing again, instead of 412 for a version it moved.
 */
export const SET_STOCK_LUA = `${DEADLINE_LUA}
local product_id, available = ARGV[1], tonumber(ARGV[2])
local meta = cjson.decode(ARGV[3])
if redis.call('HGET', KEYS[1], 'setEventId') == meta.id then
  return redis.call('HMGET', KEYS[1], 'available', 'reserved', 'sold', 'version')
end
if past_deadline(ARGV[5]) then return { 'expired' } end
if ARGV[4] ~= '' then
  local current = redis.call('HGET', KEYS[1], 'version')
  if current ~= ARGV[4] then return { 'stale', current or '' } end
end
local version
if redis.call('EXISTS', KEYS[1]) == 1 then
  version = redis.call('HINCRBY', KEYS[1], 'version', 1)
else
  version = first_version()
  redis.call('HSET', KEYS[1], 'reserved', 0, 'sold', 0, 'version', version)
end
redis.call('HSET', KEYS[1], 'available', available, 'setEventId', meta.id)
redis.call('SADD', KEYS[2], product_id)
outbox_add(KEYS[3], event_record('stock.updated', product_id,
  { productId = product_id, available = available, version = version, reason = 'admin' }, meta))
return redis.call('HMGET', KEYS[1], 'available', 'reserved', 'sold', 'version')
`;
