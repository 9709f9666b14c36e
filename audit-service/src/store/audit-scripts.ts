/**
 * Appends an event once, whatever the redeliveries: the seen marker, the global stream entry, the
 * per-type index and the order's timeline are written together or not at all.
 * KEYS: seen marker, global stream, type index, order timeline.
 * ARGV: type, entry JSON, '1' when the event belongs to an order (KEYS[4] is used only then).
 */
export const RECORD_LUA = `
if not redis.call('SET', KEYS[1], '1', 'NX') then return 0 end
local entryId = redis.call('XADD', KEYS[2], '*', 'type', ARGV[1], 'e', ARGV[2])
redis.call('RPUSH', KEYS[3], entryId)
if ARGV[3] == '1' then redis.call('RPUSH', KEYS[4], ARGV[2]) end
return 1
`;
