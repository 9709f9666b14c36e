/**
 * All-or-nothing reservation of every line of one order (lines already summed per product).
 * KEYS: reservation, expiries, outbox. ARGV: prefix, orderId, items JSON, now ms, expiresAt ms,
 * expiresAt ISO, event meta JSON, the most of one product an order may hold, retention ms (how long
 * a FAILED record is kept; a RESERVED one is kept until it ends), the re-announcement mark of the
 * order.created ('' for none). Returns { outcome, code? }.
 * An existing record in any status means the order was handled before: nothing changes and
 * nothing is emitted ('DUPLICATE'). When the order.created is a copy checkout announced again (no
 * answer reached it: a broker that lost its log lost the first answer too), the event that answered
 * it (stock.reserved or stock.failed, kept on the record) is announced again, same ce_id, carrying
 * the mark on ('REANNOUNCED'); its consumers dedupe the copy. A product whose summed lines exceed
 * that most fails INSUFFICIENT_STOCK whatever the level: stock.reserved could not carry it, and no
 * cart that checkout accepts asks for it.
 */
export const RESERVE_LUA = `
if redis.call('EXISTS', KEYS[1]) == 1 then
  local answered = ARGV[10] ~= '' and redis.call('HGET', KEYS[1], 'event')
  if not answered then return { 'DUPLICATE' } end
  outbox_add_again(KEYS[3], answered, ARGV[10])
  return { 'REANNOUNCED' }
end
local prefix, order_id, items_json = ARGV[1], ARGV[2], ARGV[3]
local items = cjson.decode(items_json)
local meta = cjson.decode(ARGV[7])
local max_quantity = tonumber(ARGV[8])

local shortages, unknown, names = {}, {}, {}
for _, it in ipairs(items) do
  local available = redis.call('HGET', stock_key(prefix, it.productId), 'available')
  if not available then
    unknown[#unknown + 1] = it.productId
    shortages[#shortages + 1] = { productId = it.productId, requested = it.quantity, available = 0 }
  elseif tonumber(available) < it.quantity or it.quantity > max_quantity then
    names[#names + 1] = it.productId
    shortages[#shortages + 1] = { productId = it.productId, requested = it.quantity, available = tonumber(available) }
  end
end

if #shortages > 0 then
  local code, reason
  if #unknown > 0 then
    code, reason = 'UNKNOWN_PRODUCT', 'unknown product: ' .. table.concat(unknown, ', ')
  else
    code, reason = 'INSUFFICIENT_STOCK', 'insufficient stock: ' .. table.concat(names, ', ')
  end
  local failed = event_record('stock.failed', order_id,
    { orderId = order_id, code = code, reason = reason, shortages = shortages }, meta)
  redis.call('HSET', KEYS[1], 'status', 'FAILED', 'items', items_json, 'code', code, 'reason', reason,
    'createdAt', ARGV[4], 'correlationId', meta.correlationId, 'event', failed)
  redis.call('PEXPIRE', KEYS[1], ARGV[9])
  outbox_add(KEYS[3], failed)
  return { 'FAILED', code }
end

local levels = {}
for _, it in ipairs(items) do
  local key = stock_key(prefix, it.productId)
  local available = redis.call('HINCRBY', key, 'available', -it.quantity)
  redis.call('HINCRBY', key, 'reserved', it.quantity)
  local version = redis.call('HINCRBY', key, 'version', 1)
  levels[#levels + 1] = { productId = it.productId, available = available, version = version }
end
local reserved = event_record('stock.reserved', order_id,
  { orderId = order_id, items = items, levels = levels, expiresAt = ARGV[6] }, meta)
redis.call('HSET', KEYS[1], 'status', 'RESERVED', 'items', items_json, 'expiresAt', ARGV[5],
  'createdAt', ARGV[4], 'correlationId', meta.correlationId, 'traceparent', meta.traceparent or '',
  'event', reserved)
redis.call('ZADD', KEYS[2], ARGV[5], order_id)
outbox_add(KEYS[3], reserved)
return { 'RESERVED' }
`;
