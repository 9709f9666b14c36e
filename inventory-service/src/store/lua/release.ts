/**
 * Gives a RESERVED reservation's stock back (payment failed, or expired) and emits stock.released.
 * KEYS: reservation, expiries, outbox. ARGV: prefix, orderId, reason, event meta JSON,
 * due-before ms ('' = release now), retention ms (how long the RELEASED record is kept: a late
 * payment.authorized must still find it). The status guard makes it safe to race with payment events
 * and other instances' sweepers. Returns 'RELEASED' for the call that released it, else what
 * prevented it: 'ALREADY_RELEASED' (a redelivered payment.failed, or a sweeper that lost the race),
 * 'NOT_DUE', or the reservation's status.
 */
export const RELEASE_LUA = `
local order_id = ARGV[2]
local status = redis.call('HGET', KEYS[1], 'status')
if status ~= 'RESERVED' then
  redis.call('ZREM', KEYS[2], order_id)
  if status == 'RELEASED' then return 'ALREADY_RELEASED' end
  return status or 'UNKNOWN'
end
if ARGV[5] ~= '' and tonumber(redis.call('HGET', KEYS[1], 'expiresAt')) > tonumber(ARGV[5]) then
  return 'NOT_DUE'
end
local meta = cjson.decode(ARGV[4])
if not meta.correlationId or meta.correlationId == '' then
  meta.correlationId = redis.call('HGET', KEYS[1], 'correlationId') or order_id
end
-- The expiry sweeper has no trace of its own: the release continues the order's.
if not meta.traceparent then
  local tp = redis.call('HGET', KEYS[1], 'traceparent')
  if tp and tp ~= '' then meta.traceparent = tp end
end

local levels = {}
for _, it in ipairs(cjson.decode(redis.call('HGET', KEYS[1], 'items'))) do
  local key = stock_key(ARGV[1], it.productId)
  -- Not made up from this line, with reserved below zero and a version consumers hold newer ones of.
  if whole_record(key) then
    local available = redis.call('HINCRBY', key, 'available', it.quantity)
    redis.call('HINCRBY', key, 'reserved', -it.quantity)
    local version = redis.call('HINCRBY', key, 'version', 1)
    levels[#levels + 1] = { productId = it.productId, available = available, version = version }
  end
end
redis.call('HSET', KEYS[1], 'status', 'RELEASED', 'reason', ARGV[3], 'releasedAt', meta.time)
redis.call('PEXPIRE', KEYS[1], ARGV[6])
redis.call('ZREM', KEYS[2], order_id)
-- With every product's record gone there is no level to announce (and cjson would write the empty
-- list as {}, which the event's schema refuses): no stock.released.
if #levels > 0 then
  outbox_add(KEYS[3], event_record('stock.released', order_id,
    { orderId = order_id, reason = ARGV[3], levels = levels }, meta))
end
return 'RELEASED'
`;
