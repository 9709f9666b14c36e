/** The hash field a full sync sets: no product id holds ':', so it cannot collide with one. */
export const SYNCED_FIELD = ':synced';

/**
 * KEYS[1] = the stock hash; ARGV[1] = the mode, then productId, available, version triples.
 * An equal or older version never overwrites: that makes redelivery and any arrival order harmless.
 * Modes: 'event' returns how many levels it applied; 'sync' (inventory's whole list) also marks the
 * hash synced and returns {applied, the ids of the products the cache holds a newer version of};
 * 'overwrite' writes every level whatever the cache holds (inventory's store went back in time) and
 * returns how many.
 */
export const APPLY_LEVELS_LUA = `
local mode = ARGV[1]
local applied = 0
local ahead = {}
if mode == 'sync' then redis.call('HSET', KEYS[1], '${SYNCED_FIELD}', '1') end
for i = 2, #ARGV, 3 do
  local productId, available, version = ARGV[i], ARGV[i + 1], ARGV[i + 2]
  local current = redis.call('HGET', KEYS[1], productId)
  local currentVersion = -1
  if current then currentVersion = tonumber(string.match(current, '^(%d+):')) end
  if mode == 'overwrite' or tonumber(version) > currentVersion then
    redis.call('HSET', KEYS[1], productId, version .. ':' .. available)
    applied = applied + 1
  elseif currentVersion > tonumber(version) then
    ahead[#ahead + 1] = productId
  end
end
if mode == 'sync' then
  table.insert(ahead, 1, applied)
  return ahead
end
return applied
`;
