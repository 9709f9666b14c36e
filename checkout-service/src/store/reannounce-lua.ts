import { OUTBOX_LUA } from '@checkout/chassis';

/**
 * Puts an open order's order.created (kept on the order as `announcement` from its creation until
 * it ends, same ce_id) in the outbox again, when no answer has moved it to its end for a while: the
 * event, or the answers to it, may have been lost with a broker's log. Each service answers an
 * order it handled before with the event it answered first (inventory, payment), or ignores it, so
 * a copy that finds the saga merely slow changes nothing.
 * The wait doubles with each re-announcement, from `first` to at most `longest`, counted from
 * the last one (or from acceptance, the index's score), so an order that stays stuck is repeated
 * ever more rarely, and several checkout instances re-announce it once, not once each.
 * KEYS: order hash, outbox stream, open-orders index. ARGV: orderId, first wait ms, longest wait ms.
 * Returns how many times the order was re-announced, counting this one, or 0 when it was not now
 * (ended, not due, or an order stored without its announcement).
 */
export const REANNOUNCE_LUA = `${OUTBOX_LUA}
local record = redis.call('HGET', KEYS[1], 'announcement')
if not record then return 0 end
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local count = tonumber(redis.call('HGET', KEYS[1], 'reannounced') or '0')
local last = tonumber(redis.call('HGET', KEYS[1], 'reannouncedAt') or redis.call('ZSCORE', KEYS[3], ARGV[1]) or now)
local wait = math.min(tonumber(ARGV[2]) * 2 ^ count, tonumber(ARGV[3]))
if now - last < wait then return 0 end
redis.call('HSET', KEYS[1], 'reannounced', count + 1, 'reannouncedAt', now)
outbox_add(KEYS[2], record)
return count + 1
`;
