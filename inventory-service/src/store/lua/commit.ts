/**
 * Turns a reservation into sold stock. KEYS: reservation, expiries, outbox. ARGV: prefix,
 * orderId, now ISO, event meta JSON, the expiry sweeper's release reason, retention ms (how long a
 * COMMITTED record is kept: a redelivered event must still find it).
 * - RESERVED: `available` does not change, so nothing is emitted and the version stays: it is the
 *   version of the level (`available`) that stock.reserved announced, which the stock cache holds.
 *   Returns 'COMMITTED'.
 * - RELEASED by the expiry sweeper (the payment's outcome came after it gave the stock back):
 *   the customer has paid, so the units are taken again if every line is still available, all or
 *   nothing, and a stock.updated per product carries the new level. Returns 'RECOMMITTED', or
 *   'RELEASED' when the stock is gone (the payment then needs a refund). That refusal is recorded
 *   (`lateCommitRefusedBy`, the id this call's event would have had), so it is final: a
 *   redelivery answers 'REFUSED_BEFORE' and takes nothing even if the product was restocked since,
 *   while a re-run of the same call answers 'RELEASED' again. Released because the payment failed:
 *   'RELEASED', nothing taken.
 * COMMITTED already (a redelivery): 'ALREADY_COMMITTED', nothing changes; 'RECOMMITTED' again to a
 * re-run of the call that took the units late (`lateCommitBy`). Any other status is returned as it
 * is. A re-run of the same call, whose id is the event meta's `id`: ioredis re-sending the script
 * after a lost answer, or the consumer retrying the same delivery after the command timed out
 * (the handler passes its delivery's id), so its outcome is logged and counted once all the same.
 */
export const COMMIT_LUA = `
local order_id = ARGV[2]
local status = redis.call('HGET', KEYS[1], 'status')
local items = status and cjson.decode(redis.call('HGET', KEYS[1], 'items') or '[]')
-- Only a RESERVED reservation waits in the expiry set: the sweeper, which commits one whose
-- payment is authorized, must not find any other there again (one whose record is gone, after a
-- partial loss of Redis' data, was listed on every pass).
if status ~= 'RESERVED' then redis.call('ZREM', KEYS[2], order_id) end

if status == 'RESERVED' then
  for _, it in ipairs(items) do
    local key = stock_key(ARGV[1], it.productId)
    -- Not made up from this line (no level, no version).
    if whole_record(key) then
      redis.call('HINCRBY', key, 'reserved', -it.quantity)
      redis.call('HINCRBY', key, 'sold', it.quantity)
    end
  end
  redis.call('HSET', KEYS[1], 'status', 'COMMITTED', 'committedAt', ARGV[3])
  redis.call('PEXPIRE', KEYS[1], ARGV[6])
  redis.call('ZREM', KEYS[2], order_id)
  return 'COMMITTED'
end
if status == 'COMMITTED' then
  -- This call's own late commit, run again because its answer was lost: answered as then, so the
  -- caller still counts it.
  if redis.call('HGET', KEYS[1], 'lateCommitBy') == cjson.decode(ARGV[4]).id then return 'RECOMMITTED' end
  -- A redelivered payment.authorized: already sold.
  return 'ALREADY_COMMITTED'
end
if status ~= 'RELEASED' then return status or 'UNKNOWN' end
-- Released because its payment failed, the reservation has had its outcome: an authorization
-- after that contradicts it and takes nothing.
if redis.call('HGET', KEYS[1], 'reason') ~= ARGV[5] then return 'RELEASED' end

local meta = cjson.decode(ARGV[4])
local refused_by = redis.call('HGET', KEYS[1], 'lateCommitRefusedBy')
if refused_by then
  if refused_by == meta.id then return 'RELEASED' end
  return 'REFUSED_BEFORE'
end
for _, it in ipairs(items) do
  local available = redis.call('HGET', stock_key(ARGV[1], it.productId), 'available')
  if not available or tonumber(available) < it.quantity then
    redis.call('HSET', KEYS[1], 'lateCommitRefusedBy', meta.id, 'lateCommitRefusedAt', ARGV[3])
    return 'RELEASED'
  end
end
if not meta.correlationId or meta.correlationId == '' then
  meta.correlationId = redis.call('HGET', KEYS[1], 'correlationId') or order_id
end
-- One event per product, each with an id of its own that a re-run of this call derives again: a
-- name-based uuid (version 5 layout) from this call's id and the line.
local event_id = meta.id
local function line_id(i)
  local h = redis.sha1hex(event_id .. '/' .. i)
  local variant = string.format('%x', 8 + tonumber(h:sub(17, 17), 16) % 4)
  return h:sub(1, 8) .. '-' .. h:sub(9, 12) .. '-5' .. h:sub(14, 16) .. '-' .. variant .. h:sub(18, 20) .. '-' .. h:sub(21, 32)
end
for i, it in ipairs(items) do
  local key = stock_key(ARGV[1], it.productId)
  local available = redis.call('HINCRBY', key, 'available', -it.quantity)
  redis.call('HINCRBY', key, 'sold', it.quantity)
  local version = redis.call('HINCRBY', key, 'version', 1)
  meta.id = line_id(i)
  outbox_add(KEYS[3], event_record('stock.updated', it.productId, { productId = it.productId,
    available = available, version = version, reason = 'sold: order ' .. order_id .. ' paid after its reservation expired' }, meta))
end
-- It keeps its release reason: a COMMITTED record with one is a late commit.
redis.call('HSET', KEYS[1], 'status', 'COMMITTED', 'committedAt', ARGV[3], 'lateCommitBy', event_id)
redis.call('PEXPIRE', KEYS[1], ARGV[6])
return 'RECOMMITTED'
`;
