/**
 * KEYS[1] = the stock hash; ARGV = productId, available, version triples.
 * An equal or older version never overwrites: that makes redelivery and any arrival order harmless.
 */
export const APPLY_LEVELS_LUA = `
local applied = 0
for i = 1, #ARGV, 3 do
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
