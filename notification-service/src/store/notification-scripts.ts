/**
 * KEYS: customer, pending. ARGV: customer JSON, retention ms. Remembers the customer (for the
 * retention, then it expires); returns what waited for it.
 */
export const REMEMBER_CUSTOMER_LUA = `
redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2])
return redis.call('HVALS', KEYS[2])
`;

/**
 * KEYS: customer, pending. ARGV: template, pending JSON, retention ms. Returns the customer when
 * known; otherwise parks the notification in the same step, so an order.created running
 * concurrently cannot miss it. What is parked for an order.created that never comes expires.
 */
export const RESOLVE_OR_DEFER_LUA = `
local customer = redis.call('GET', KEYS[1])
if customer then return customer end
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
redis.call('PEXPIRE', KEYS[2], ARGV[3])
return false
`;

/**
 * Claims the (order, template) for one call before its channel runs. KEYS: marker. ARGV: call id
 * (the delivery's id: a retry of the same delivery is the same call), lease ms. The marker is
 * `sent`, or `claim:<call id>` expiring with the lease (Redis' clock), so a claim whose caller
 * died, or that timed out on a stalled Redis and ran late, is gone once its lease has run out.
 * Answers 'claimed' to the call that holds the claim now (a new one, or a re-run of the same call:
 * ioredis re-sends a script whose answer a dropped connection lost), 'sent' once it was sent,
 * 'busy' while another call's claim is live.
 */
export const CLAIM_LUA = `
local marker = redis.call('GET', KEYS[1])
if marker == 'sent' then return 'sent' end
if marker and marker ~= 'claim:' .. ARGV[1] then return 'busy' end
redis.call('SET', KEYS[1], 'claim:' .. ARGV[1], 'PX', ARGV[2])
return 'claimed'
`;

/**
 * The claiming call's channel has sent it: the marker becomes `sent` and the record is listed, both
 * kept for the retention (a redelivered event must still find the marker). KEYS: marker, order's
 * list. ARGV: call id, record JSON, retention ms. 1 if this call marked it (or had, in a re-run), 0
 * when another call has claimed it since.
 */
export const MARK_SENT_LUA = `
local marker = redis.call('GET', KEYS[1])
if marker == 'sent' then return 1 end
if marker and marker ~= 'claim:' .. ARGV[1] then return 0 end
redis.call('SET', KEYS[1], 'sent', 'PX', ARGV[3])
redis.call('RPUSH', KEYS[2], ARGV[2])
redis.call('PEXPIRE', KEYS[2], ARGV[3])
return 1
`;

/**
 * KEYS: marker. ARGV: call id, lease ms. Renews the call's claim while its channel is still sending
 * (a slow SMTP server), only while it is still this call's: 1 if renewed, 0 if not.
 */
export const HOLD_LUA = `
if redis.call('GET', KEYS[1]) ~= 'claim:' .. ARGV[1] then return 0 end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1
`;

/** KEYS: marker. ARGV: call id. Gives the claim back when its channel failed, so a retry can send. */
export const RELEASE_LUA = `
if redis.call('GET', KEYS[1]) == 'claim:' .. ARGV[1] then redis.call('DEL', KEYS[1]) end
return 1
`;
