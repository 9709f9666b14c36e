import { OUTBOX_LUA } from '@checkout/chassis';
import { STATUS_RANK, TERMINAL_RANK } from '../domain/order-status';

/**
 * Moves an order forward and records the event it causes, in one step; a terminal status also
 * takes the order out of its customer's unpaid set (the cap of open orders per customer) and the
 * open-orders index, and drops the announcement kept to re-announce it (REANNOUNCE_LUA).
 * KEYS: order hash, outbox stream, open-orders index, re-announcement schedule (CREATE_LUA). ARGV: status, rank, at, outbox record ('' for none),
 * unpaid-set key prefix (the customer id is read from the order, so the key cannot be declared),
 * the call's token, how long an order that ends here is kept (ms), then field/value pairs to set
 * (paymentId, code, reason, stage, shortages).
 * Returns 1 when applied, 0 when the order already ranks as high (late or duplicate), -1 unknown.
 * The order keeps the token of the call that last moved it (a new one per call, not the event id:
 * a redelivered event is a duplicate), so a re-run of the same call (ioredis re-sends a script
 * whose answer a dropped connection lost) answers 1 again, writing nothing: its caller counts and
 * announces the move it made, rather than taking it for someone else's. `at` is the caller's clock,
 * raised to the last step's when that is later (another instance's clock ran ahead).
 */
/** STATUS_RANK as a Lua table: the one ordering of statuses, in TypeScript and in the script. */
export const LUA_RANK = `{ ${Object.entries(STATUS_RANK)
  .map(([status, rank]) => `${status} = ${rank}`)
  .join(', ')} }`;
const TOP_RANK = TERMINAL_RANK;

export const TRANSITION_LUA = `${OUTBOX_LUA}
local RANK = ${LUA_RANK}
local current = redis.call('HGET', KEYS[1], 'status')
if not current then return -1 end
-- An unknown status is taken as terminal: nothing moves an order the script cannot place.
if (RANK[current] or ${TOP_RANK}) >= tonumber(ARGV[2]) then
  if redis.call('HGET', KEYS[1], 'moveToken') == ARGV[6] then return 1 end
  return 0
end
local history = cjson.decode(redis.call('HGET', KEYS[1], 'history') or '[]')
-- Instances' clocks differ: a step is never stamped before the one it follows (ISO times of one
-- format compare as strings).
local at, last = ARGV[3], history[#history]
if last and last.at and last.at > at then at = last.at end
table.insert(history, { status = ARGV[1], at = at })
redis.call('HSET', KEYS[1], 'status', ARGV[1], 'history', cjson.encode(history), 'moveToken', ARGV[6])
for i = 8, #ARGV, 2 do
  redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1])
end
if RANK[ARGV[1]] == ${TOP_RANK} then
  local customer = redis.call('HGET', KEYS[1], 'customerId')
  local orderId = redis.call('HGET', KEYS[1], 'orderId')
  if customer and orderId then redis.call('SREM', ARGV[5] .. customer, orderId) end
  if orderId then
    redis.call('ZREM', KEYS[3], orderId)
    redis.call('ZREM', KEYS[4], orderId)
  end
  redis.call('HDEL', KEYS[1], 'announcement')
  redis.call('PEXPIRE', KEYS[1], ARGV[7])
end
if ARGV[4] ~= '' then outbox_add(KEYS[2], ARGV[4]) end
return 1
`;
