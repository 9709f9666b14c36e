/** The hash field a full sync sets: no product id holds ':', so it cannot collide with one. */
export const SYNCED_FIELD = ':synced';

/**
 * KEYS[1] = the stock hash; ARGV[1] = '1' when a full sync writes (it then marks the hash synced),
 * then productId, available, version triples.
 * An equal or older version never overwrites: that makes redelivery and any arrival order harmless.
 */
export const APPLY_LEVELS_LUA = `
local applied = 0
if ARGV[1] == '1' then redis.call('HSET', KEYS[1], '${SYNCED_FIELD}', '1') end
for i = 2, #ARGV, 3 do
  local productId, available, version = ARGV[i], ARGV[i + 1], ARGV[i + 2]
  local current = redis.call('HGET', KEYS[1], productId)
  local currentVersion = -1
  if current then currentVersion = tonumber(string.match(current, '^(%d+):')) end
  if tonumber(version) > currentVersion then
    redis.call('HSET', KEYS[1], productId, version .. ':' .. available)
    applied = applied + 1
  end
end
return applied
`;
