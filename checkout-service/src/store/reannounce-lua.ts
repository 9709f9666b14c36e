import { DEADLINE_LUA, OUTBOX_LUA } from '@checkout/chassis';
import { TERMINAL_RANK } from '../domain/order-status';
import { LUA_RANK } from './transition-lua';

/**
 * Announces an open order's order.created again (kept on the order as `announcement` from its
 * creation until it ends, same ce_id, marked with REANNOUNCED_HEADER) when its turn in the
 * re-announcement schedule has come: no answer has moved it to its end, and the event, or the
 * answers to it, may have been lost with a broker's log. Inventory and payment answer a marked copy
 * of an order they handled with the event they answered first; one they never saw is handled as
 * new; so a copy that finds the saga merely slow changes nothing.
 * The next turn comes after `first` × 2^times, at most `longest`. After the `most`-th time the order
 * leaves the schedule and its announcement is dropped (with the payment token it holds): an order
 * that many re-announcements did not move needs an operator (GET /admin/orders/open).
 * KEYS: order hash, outbox stream, re-announcement schedule. ARGV: orderId, first wait ms, longest
 * wait ms, most times, the call's token. A re-run of the same call (ioredis re-sends a script whose
 * answer a dropped connection lost) finds its token and answers what the first run did, sending
 * nothing, so the caller still learns that it was the last time.
 * Returns { times, last } (how many times the order has been re-announced, counting this one; 1 when
 * this was the last), or { 0, 0 } when nothing was sent: not due (another instance just took its
 * turn), gone or ended, or stored without an announcement (then it leaves the schedule, and an
 * ended one drops its announcement: one ended by an older instance during a rolling upgrade, whose
 * transition script knew nothing of the schedule, is not announced again).
 */
export const REANNOUNCE_LUA = `${OUTBOX_LUA}${DEADLINE_LUA}
if redis.call('HGET', KEYS[1], 'reannounceToken') == ARGV[5] then
  return { tonumber(redis.call('HGET', KEYS[1], 'reannounced')), tonumber(redis.call('HGET', KEYS[1], 'reannounceLast')) }
end
local now = redis_now_ms()
local due = redis.call('ZSCORE', KEYS[3], ARGV[1])
if not due or tonumber(due) > now then return { 0, 0 } end
local RANK = ${LUA_RANK}
local status = redis.call('HGET', KEYS[1], 'status')
local record = redis.call('HGET', KEYS[1], 'announcement')
-- As in TRANSITION_LUA, a status the script cannot place counts as ended.
if not status or (RANK[status] or ${TERMINAL_RANK}) >= ${TERMINAL_RANK} or not record then
  redis.call('ZREM', KEYS[3], ARGV[1])
  if record then redis.call('HDEL', KEYS[1], 'announcement') end
  return { 0, 0 }
end
local times = tonumber(redis.call('HGET', KEYS[1], 'reannounced') or '0') + 1
outbox_add_again(KEYS[2], record, times)
local last = times >= tonumber(ARGV[4]) and 1 or 0
redis.call('HSET', KEYS[1], 'reannounced', times, 'reannouncedAt', now, 'reannounceToken', ARGV[5], 'reannounceLast', last)
if last == 1 then
  redis.call('ZREM', KEYS[3], ARGV[1])
  redis.call('HDEL', KEYS[1], 'announcement')
  return { times, 1 }
end
redis.call('ZADD', KEYS[3], now + math.min(tonumber(ARGV[2]) * 2 ^ times, tonumber(ARGV[3])), ARGV[1])
return { times, 0 }
`;
