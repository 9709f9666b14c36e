import { OUTBOX_LUA } from '@checkout/chassis';

/**
 * What every decided payment's record goes through, whoever decided it: its token is dropped (it
 * is kept only until the charge is decided) and so is its lease, and the record is kept
 * `retention` ms more, which is what makes a redelivered event a no-op.
 */
const DECIDED_LUA = `
local function close_decided(key, retention)
  redis.call('HDEL', key, 'token', 'leaseOwner', 'leaseUntil')
  redis.call('PEXPIRE', key, retention)
end
`;

/**
 * Records one half (order or reservation) and claims the authorization once both are there.
 * KEYS: payment hash, processing zset, outbox stream, awaiting zset. ARGV: orderId, owner,
 * leaseUntil, retention ms, whether a decided payment announces its outcome again ('1': a
 * stock.reserved announced again), the reservation's expiry in ms ('' for the order's half), then
 * the half's field/value pairs. A half that is there already (a redelivery, or a copy announced
 * again) changes nothing and emits nothing: not even the record's expiry or its place on the
 * awaiting list, or inventory's copies for a reservation it holds while this payment waits would
 * keep the record for good. A re-announced stock.reserved (checkout re-announced an order no
 * answer reached, and inventory repeated its answer: a broker that lost its log lost the outcome
 * too; or inventory held the expired reservation for a payment it was told is pending) for a
 * decided payment puts the outcome's event (kept on the record, same ce_id) in the outbox again
 * and answers {status, 'REANNOUNCED'}. The reservation's half, not the order's: a
 * re-announced order.created brings both, and one answer is enough.
 * A record waiting for its other half expires after the retention (an order whose stock answer
 * never came must not keep its token for good); a claimed one is kept until it is decided. A
 * reservation left waiting for the order's half is also listed in the awaiting zset by its expiry
 * (EXPIRE_AWAITING_LUA fails it then); claiming takes it off.
 * Returns {'CLAIMED', ...hash} to the one caller that moved PENDING → PROCESSING, else {status}.
 * The owner is unique to the delivery of the event (the handler's delivery id), so a re-run of the
 * same call (ioredis re-sends a script whose answer a dropped connection lost, or the consumer runs
 * the handler again after the command timed out) finds its own lease and is answered CLAIMED
 * again, rather than PROCESSING, which would leave the charge to the sweeper once the lease ran out.
 */
export const RECORD_HALF_LUA = `${OUTBOX_LUA}
local function claimed()
  local out = {'CLAIMED'}
  for _, v in ipairs(redis.call('HGETALL', KEYS[1])) do out[#out + 1] = v end
  return out
end
local status = redis.call('HGET', KEYS[1], 'status')
if status == 'PROCESSING' and redis.call('HGET', KEYS[1], 'leaseOwner') == ARGV[2] then return claimed() end
if status and status ~= 'PENDING' then
  local outcome = ARGV[5] == '1' and redis.call('HGET', KEYS[1], 'event')
  if not outcome then return {status} end
  outbox_add(KEYS[3], outcome)
  return {status, 'REANNOUNCED'}
end
if status and redis.call('HEXISTS', KEYS[1], ARGV[6] ~= '' and 'expiresAt' or 'amount') == 1 then return {status} end
for i = 7, #ARGV, 2 do redis.call('HSETNX', KEYS[1], ARGV[i], ARGV[i + 1]) end
if redis.call('HEXISTS', KEYS[1], 'amount') == 1 and redis.call('HEXISTS', KEYS[1], 'expiresAt') == 1 then
  redis.call('HSET', KEYS[1], 'status', 'PROCESSING', 'leaseOwner', ARGV[2], 'leaseUntil', ARGV[3])
  redis.call('PERSIST', KEYS[1])
  redis.call('ZADD', KEYS[2], ARGV[3], ARGV[1])
  redis.call('ZREM', KEYS[4], ARGV[1])
  return claimed()
end
redis.call('HSET', KEYS[1], 'status', 'PENDING')
redis.call('PEXPIRE', KEYS[1], ARGV[4])
if ARGV[6] ~= '' then redis.call('ZADD', KEYS[4], ARGV[6], ARGV[1]) end
return {'PENDING'}
`;

/**
 * Fails a reservation whose order's half never came (its order.created was lost or dead-lettered
 * here, and every copy checkout announced again too) once the reservation expired: no charge may
 * start any more, so the payment is FAILED RESERVATION_EXPIRED and payment.failed goes out, as for
 * a claim that met the expiry. Inventory then releases the stock and checkout fails the order,
 * rather than both waiting for a half that may never come. A record claimed or decided meanwhile
 * (or gone) is only taken off the list.
 * KEYS: payment hash, awaiting zset, outbox stream. ARGV: orderId, updatedAt, retention ms, outbox
 * record of the event, code, reason. Returns 1 when it failed the payment.
 */
export const EXPIRE_AWAITING_LUA = `${OUTBOX_LUA}${DECIDED_LUA}
redis.call('ZREM', KEYS[2], ARGV[1])
if redis.call('HGET', KEYS[1], 'status') ~= 'PENDING' then return 0 end
redis.call('HSET', KEYS[1], 'status', 'FAILED', 'attempts', '0', 'updatedAt', ARGV[2], 'event', ARGV[4],
  'code', ARGV[5], 'reason', ARGV[6])
close_decided(KEYS[1], ARGV[3])
outbox_add(KEYS[3], ARGV[4])
return 1
`;

/**
 * Closes a record that was never claimed (the order failed before it could be charged): FAILED with
 * the given code and reason, and the token dropped. A record already claimed or decided is left
 * alone; none yet is created closed, so the order's half arriving later is refused.
 * KEYS: payment hash. ARGV: code, reason, updatedAt, retention ms (how long the closed record is
 * kept). Returns 1 when it closed the record.
 */
export const CLOSE_UNCHARGED_LUA = `${DECIDED_LUA}
local status = redis.call('HGET', KEYS[1], 'status')
if status and status ~= 'PENDING' then return 0 end
redis.call('HSET', KEYS[1], 'status', 'FAILED', 'code', ARGV[1], 'reason', ARGV[2], 'updatedAt', ARGV[3])
close_decided(KEYS[1], ARGV[4])
return 1
`;

/**
 * Takes over a PROCESSING authorization whose lease ran out (its worker died mid-charge).
 * KEYS: payment hash, processing zset. ARGV: orderId, now, owner, leaseUntil.
 */
export const RECLAIM_LUA = `
if redis.call('HGET', KEYS[1], 'status') ~= 'PROCESSING' then
  redis.call('ZREM', KEYS[2], ARGV[1])
  return {}
end
if tonumber(redis.call('HGET', KEYS[1], 'leaseUntil') or '0') >= tonumber(ARGV[2]) then return {} end
redis.call('HSET', KEYS[1], 'leaseOwner', ARGV[3], 'leaseUntil', ARGV[4])
redis.call('ZADD', KEYS[2], ARGV[4], ARGV[1])
return redis.call('HGETALL', KEYS[1])
`;

/**
 * The gateway authorized a charge this service did not record: a worker that lost its claim got it,
 * or the recheck of a failed payment found it. While the claim is still being worked on, the charge
 * is left on the record for its owner (who then cannot fail the payment, see COMPLETE_LUA). On a
 * FAILED payment it is the customer's charge for a failed order, to be reported once: the first
 * reporter marks the record (`strandedCharge`, `strandedBy`) and is the one to report it; the same
 * reporter asking again (its answer was lost) is answered the same, any other is not.
 * KEYS: payment hash. ARGV: charge id, reporter.
 * Returns {status ('' when the record is gone), 1 when this reporter is the one to report it, else 0}.
 */
export const STRAY_CHARGE_LUA = `
local status = redis.call('HGET', KEYS[1], 'status')
if status == 'PROCESSING' then
  redis.call('HSET', KEYS[1], 'strayCharge', ARGV[1])
  return {status, 0}
end
if status == 'FAILED' then
  if redis.call('HSETNX', KEYS[1], 'strandedCharge', ARGV[1]) == 1 then
    redis.call('HSET', KEYS[1], 'strandedBy', ARGV[2])
    return {status, 1}
  end
  return {status, redis.call('HGET', KEYS[1], 'strandedBy') == ARGV[2] and 1 or 0}
end
if not status then return {'', 1} end
return {status, 0}
`;

/**
 * Takes the due entries of a zset of questions for the gateway (awaiting, recheck), at most
 * ARGV[3], and makes them due again at ARGV[2]: no other instance takes them before then, and an
 * entry whose question was not finished (the gateway could not say, the instance stopped) is
 * asked again then. KEYS: the zset. ARGV: now, dueAgainAt, limit. Returns the members taken.
 */
export const TAKE_DUE_LUA = `
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, ARGV[3])
for _, member in ipairs(due) do redis.call('ZADD', KEYS[1], 'XX', ARGV[2], member) end
return due
`;

/**
 * Renews the lease of a claim that is still the caller's (before each retry of its charge), and
 * records the attempts its charge made so far (a resumed call counts on from them).
 * KEYS: payment hash, processing zset. ARGV: orderId, owner, leaseUntil ('' keeps the lease),
 * attempts ('' keeps them). 1 if the claim is the caller's, else 0.
 */
export const HOLD_LUA = `
if redis.call('HGET', KEYS[1], 'status') ~= 'PROCESSING' then return 0 end
if redis.call('HGET', KEYS[1], 'leaseOwner') ~= ARGV[2] then return 0 end
if ARGV[3] ~= '' then
  redis.call('HSET', KEYS[1], 'leaseUntil', ARGV[3])
  redis.call('ZADD', KEYS[2], ARGV[3], ARGV[1])
end
if ARGV[4] ~= '' then redis.call('HSET', KEYS[1], 'attempts', ARGV[4]) end
return 1
`;

/**
 * Records the outcome and its event in one step, only for the current lease owner, so an
 * authorization completes exactly once. The event is kept on the record too (RECORD_HALF_LUA
 * announces it again). The token is dropped: it is not needed any more.
 * A failure is not written when a worker that lost the claim has reported a charge the gateway
 * authorized for the order (`strayCharge`, see STRAY_CHARGE_LUA): it answers that charge's id
 * instead, and the owner records the payment authorized with it.
 * A failure decided by a resumed claim is listed in the recheck zset, due at `recheckAt`: the
 * attempt of the worker it took over may still be undecided at the gateway (see recheckFailed).
 * KEYS: payment hash, processing zset, outbox stream, recheck zset.
 * ARGV: orderId, owner, status, attempts, updatedAt, outbox record, retention ms (how long the
 * decided record is kept: it is what makes a redelivered event a no-op), recheckAt ms ('' for
 * none), then outcome field/value pairs.
 * Returns 1 when written, 0 when the caller does not hold the claim, else the stray charge's id.
 */
export const COMPLETE_LUA = `${OUTBOX_LUA}${DECIDED_LUA}
if redis.call('HGET', KEYS[1], 'status') ~= 'PROCESSING' then return 0 end
if redis.call('HGET', KEYS[1], 'leaseOwner') ~= ARGV[2] then return 0 end
if ARGV[3] == 'FAILED' then
  local stray = redis.call('HGET', KEYS[1], 'strayCharge')
  if stray then return stray end
  if ARGV[8] ~= '' then redis.call('ZADD', KEYS[4], ARGV[8], ARGV[1]) end
end
redis.call('HSET', KEYS[1], 'status', ARGV[3], 'attempts', ARGV[4], 'updatedAt', ARGV[5], 'event', ARGV[6])
for i = 9, #ARGV, 2 do redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]) end
close_decided(KEYS[1], ARGV[7])
redis.call('ZREM', KEYS[2], ARGV[1])
outbox_add(KEYS[3], ARGV[6])
return 1
`;
