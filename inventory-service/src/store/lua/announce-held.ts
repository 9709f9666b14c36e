/**
 * Announces a held reservation's stock.reserved again, same ce_id, marked `expired:<n>`
 * (REANNOUNCED_HEADER), when its turn has come: an expired reservation the sweeper holds because
 * payment-service calls its payment pending may be one whose stock.reserved never reached
 * payment-service (dead-lettered there, with every copy checkout's re-announcements caused), which
 * then holds the order's half alone and waits for a reservation that will not come. The copy
 * completes the pair; its reservation has expired, so payment-service charges nothing, fails the
 * payment RESERVATION_EXPIRED and the stock goes back. A payment being charged, or decided, takes
 * the copy as a duplicate. The first copy goes out when the reservation is first held, the next
 * after `first wait`, each wait doubling up to `longest wait`.
 * KEYS: reservation, outbox. ARGV: now ms, first wait ms, longest wait ms.
 * Returns how many times it has been announced again, counting this one; 0 when it was not
 * (not RESERVED, no event kept, or not its turn yet).
 */
export const ANNOUNCE_HELD_LUA = `
if redis.call('HGET', KEYS[1], 'status') ~= 'RESERVED' then return 0 end
local now = tonumber(ARGV[1])
if now < tonumber(redis.call('HGET', KEYS[1], 'heldAnnounceAt') or '0') then return 0 end
local reserved = redis.call('HGET', KEYS[1], 'event')
if not reserved then return 0 end
local times = redis.call('HINCRBY', KEYS[1], 'heldAnnounced', 1)
local wait = math.min(tonumber(ARGV[2]) * 2 ^ (times - 1), tonumber(ARGV[3]))
redis.call('HSET', KEYS[1], 'heldAnnounceAt', now + wait)
outbox_add_again(KEYS[2], reserved, 'expired:' .. times)
return times
`;
