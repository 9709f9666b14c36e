/**
 * Loads the demo stock once: only into an empty store, and only if no seed ran before (the
 * marker), emitting stock.updated per product so the cache follows. KEYS: seeded marker, products,
 * outbox. ARGV: prefix, items JSON [{ productId, available, eventId }], event meta JSON.
 * Versions start at first_version(), so a store seeded again after it was lost stays ahead of what
 * consumers hold. A product whose stock record is still there, whole (a level and a version: a store
 * that lost only its product list and marker), is listed again as it is, never reset: its reserved
 * and sold units belong to live reservations and paid orders, its level to the last count. Returns
 * the number of products seeded.
 */
export const SEED_LUA = `
if redis.call('SCARD', KEYS[2]) > 0 then return 0 end
local meta = cjson.decode(ARGV[3])
if redis.call('SETNX', KEYS[1], meta.time) == 0 then return 0 end
local items = cjson.decode(ARGV[2])
local version = first_version()
local seeded = 0
for _, it in ipairs(items) do
  local key = stock_key(ARGV[1], it.productId)
  redis.call('SADD', KEYS[2], it.productId)
  if not whole_record(key) then
    redis.call('HSET', key, 'available', it.available, 'reserved', 0, 'sold', 0, 'version', version)
    meta.id = it.eventId
    outbox_add(KEYS[3], event_record('stock.updated', it.productId,
      { productId = it.productId, available = it.available, version = version, reason = 'seed' }, meta))
    seeded = seeded + 1
  end
end
return seeded
`;
