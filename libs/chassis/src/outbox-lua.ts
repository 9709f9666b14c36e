import { REANNOUNCED_HEADER } from '@checkout/contracts';

/**
 * Lua prelude for scripts that change state and record the events it causes in one atomic step.
 * `outbox_add(stream, record)` appends one serialized Kafka record (see Outbox.serialize);
 * `outbox_add_again(stream, record, mark)` appends a record kept from before, marked as announced
 * again (REANNOUNCED_HEADER, its value `mark`: the how-manieth time), so that its consumers answer it.
 */
export const OUTBOX_LUA = `
local function outbox_add(stream, record)
  redis.call('XADD', stream, '*', 'r', record)
end
local function outbox_add_again(stream, record, mark)
  local copy = cjson.decode(record)
  if type(copy.headers) ~= 'table' then copy.headers = {} end
  copy.headers['${REANNOUNCED_HEADER}'] = tostring(mark)
  outbox_add(stream, cjson.encode(copy))
end
`;

/**
 * Takes the relay lock and reads the oldest entries in one round trip; nil when another relay holds
 * it. A lock this relay holds is taken again: ioredis resends a command whose answer a dropped
 * connection lost, and the resent claim must not wait out the lock its first run took.
 */
export const CLAIM_BATCH = `
local holder = redis.call('GET', KEYS[2])
if holder and holder ~= ARGV[1] then return false end
redis.call('SET', KEYS[2], ARGV[1], 'PX', ARGV[2])
return redis.call('XRANGE', KEYS[1], '-', '+', 'COUNT', ARGV[3])
`;

/** Deletes the published entries and, on the last batch, releases the lock if still ours (else extends it). */
export const ACK_BATCH = `
if #ARGV > 3 then redis.call('XDEL', KEYS[1], unpack(ARGV, 4)) end
if redis.call('GET', KEYS[2]) ~= ARGV[1] then return 0 end
if ARGV[3] == '1' then return redis.call('DEL', KEYS[2]) end
redis.call('PEXPIRE', KEYS[2], ARGV[2])
return 1
`;
