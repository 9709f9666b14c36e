/**
 * Holds an expired reservation whose payment payment-service calls pending: due again at
 * `recheck at` (its place in the expiry set only), and its stock.reserved announced again when its
 * turn has come, same ce_id, marked `expired:<n>` (REANNOUNCED_HEADER).
 * Why: a payment pending long after its reservation expired is usually being charged by a slow
 * gateway, but it may be one that can never start: payment-service holds the order's half and never
 * got the stock.reserved (dead-lettered there, with every copy checkout's re-announcements caused),
 * and would say pending until it forgot the half (RECORD_RETENTION_MS). The copy completes its pair
 * past expiresAt, so payment-service charges nothing and fails the payment RESERVATION_EXPIRED. A
 * payment being charged takes the copy as a duplicate; one decided meanwhile announces its outcome
 * again, which its consumers dedupe.
 * Turns: the first comes `first wait` after the reservation was first held (a slow charge is
 * usually decided by then), each later one after double the wait before it, up to `longest wait`.
 * After `most times` copies, the next turn announces nothing and is reported once (`exhausted`):
 * the reservation is left to an operator.
 * KEYS: reservation, expiries, outbox. ARGV: orderId, recheck at ms, now ms, first wait ms (0: never
 * announce), longest wait ms, most times.
 * Returns { copies so far, 1 when one went out now, 1 when it was exhausted now }.
 */
export const HOLD_PENDING_LUA = `
redis.call('ZADD', KEYS[2], 'XX', ARGV[2], ARGV[1])
local first = tonumber(ARGV[4])
if first == 0 or redis.call('HGET', KEYS[1], 'status') ~= 'RESERVED' then return { 0, 0, 0 } end
local now = tonumber(ARGV[3])
local times = tonumber(redis.call('HGET', KEYS[1], 'heldAnnounced') or '0')
local turn = redis.call('HGET', KEYS[1], 'heldAnnounceAt')
if not turn then
  redis.call('HSET', KEYS[1], 'heldAnnounceAt', now + first)
  return { times, 0, 0 }
end
if turn == 'exhausted' or now < tonumber(turn) then return { times, 0, 0 } end
if times >= tonumber(ARGV[6]) then
  redis.call('HSET', KEYS[1], 'heldAnnounceAt', 'exhausted')
  return { times, 0, 1 }
end
local reserved = redis.call('HGET', KEYS[1], 'event')
if not reserved then return { times, 0, 0 } end
times = times + 1
redis.call('HSET', KEYS[1], 'heldAnnounced', times,
  'heldAnnounceAt', now + math.min(first * 2 ^ times, tonumber(ARGV[5])))
outbox_add_again(KEYS[3], reserved, 'expired:' .. times)
return { times, 1, 0 }
`;
