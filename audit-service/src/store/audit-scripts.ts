/**
 * Appends an event once, whatever the redeliveries: the seen marker, the global stream entry, the
 * per-type index and the order's timeline are written together or not at all.
 * KEYS: seen marker, global stream, type index, order timeline.
 * ARGV: type, entry JSON, '1' when the event belongs to an order (KEYS[4] is used only then),
 * retention in ms ('0': kept for good).
 * With a retention, what is older goes as new events come: the stream's entries recorded before
 * it (their ids are Redis' clock, in ms) and their ids at the head of the type index, the seen
 * marker once it has passed, and an order's timeline that long after the order's last event.
 * At most TRIM_STEP of each per event: a retention set on a log kept for good until then would
 * otherwise be trimmed in one script (~2 µs an entry: 300 000 entries held every client of that
 * Redis for 0.6 s, and a script that has written cannot be killed): the oldest TRIM_STEP entries
 * recorded before the retention are read and deleted (XTRIM's bounded form, `~ … LIMIT`, trims
 * only whole nodes of 100 entries, so it would keep expired ones beside newer ones).
 */
/** Entries (and type index ids) past the retention that one recorded event trims at most. */
export const TRIM_STEP = 100;

export const RECORD_LUA = `
local retention = tonumber(ARGV[4])
if retention > 0 then
  if not redis.call('SET', KEYS[1], '1', 'NX', 'PX', retention) then return 0 end
else
  if not redis.call('SET', KEYS[1], '1', 'NX') then return 0 end
end
local entryId = redis.call('XADD', KEYS[2], '*', 'type', ARGV[1], 'e', ARGV[2])
redis.call('RPUSH', KEYS[3], entryId)
if ARGV[3] == '1' then
  redis.call('RPUSH', KEYS[4], ARGV[2])
  if retention > 0 then redis.call('PEXPIRE', KEYS[4], retention) end
end
if retention > 0 then
  local oldest = tonumber(string.match(entryId, '^(%d+)')) - retention
  local expired = redis.call('XRANGE', KEYS[2], '-', '(' .. oldest, 'COUNT', ${TRIM_STEP})
  if #expired > 0 then
    local ids = {}
    for i, entry in ipairs(expired) do ids[i] = entry[1] end
    redis.call('XDEL', KEYS[2], unpack(ids))
  end
  for _ = 1, ${TRIM_STEP} do
    local head = redis.call('LINDEX', KEYS[3], 0)
    if not head or tonumber(string.match(head, '^(%d+)')) >= oldest then break end
    redis.call('LPOP', KEYS[3])
  end
end
return 1
`;
