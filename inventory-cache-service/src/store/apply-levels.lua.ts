/** The hash field a full sync sets: no product id holds ':', so it cannot collide with one. */
export const SYNCED_FIELD = ':synced';

/**
 * The hash's generation, a random id set when a full sync begins and the hash has none: a hash
 * deleted (or lost) while a sync read inventory's list comes back without it, so the sync knows
 * that what it read may be older than events the lost hash held.
 */
export const GENERATION_FIELD = ':generation';

/**
 * KEYS[1] = the stock hash; ARGV[1] = the mode, then its arguments.
 * An equal or older version never overwrites: that makes redelivery and any arrival order harmless.
 * Modes:
 * - 'begin', then a new generation: sets the hash's generation unless it has one; returns the
 *   generation it has. A full sync calls it before it reads inventory's list.
 * - 'event', then productId, available, version triples: applies the newer ones; returns how many.
 * - 'sync', then the generation 'begin' returned, then the triples of inventory's whole list: applies
 *   the newer ones. If the hash still has that generation it also marks the hash synced and returns
 *   {applied, the products it disagrees with the list about (a newer version than listed, or the
 *   same version with another level: one history never gives one version two levels), then the
 *   products it holds that the list lacks (both as id, cached value pairs), 1}. If not (the hash was
 *   deleted since: events it held may be newer than the list), {applied, {}, {}, 0}, unmarked.
 * - 'overwrite', then productId, available, version, cached value quadruples: writes each level over
 *   the cache's whatever its version (inventory's store went back in time), if the cache still holds
 *   that value: a level an event wrote since is kept. Returns the ids written.
 * - 'drop', then productId, cached value pairs: removes each product still holding that value
 *   (inventory no longer lists it; a level an event wrote since is kept). Returns the ids removed.
 */
export const APPLY_LEVELS_LUA = `
local mode = ARGV[1]
if mode == 'begin' then
  redis.call('HSETNX', KEYS[1], '${GENERATION_FIELD}', ARGV[2])
  return redis.call('HGET', KEYS[1], '${GENERATION_FIELD}')
end
if mode == 'overwrite' or mode == 'drop' then
  local step = mode == 'overwrite' and 4 or 2
  local changed = {}
  for i = 2, #ARGV, step do
    local productId, held = ARGV[i], ARGV[i + step - 1]
    if redis.call('HGET', KEYS[1], productId) == held then
      if mode == 'overwrite' then
        redis.call('HSET', KEYS[1], productId, ARGV[i + 2] .. ':' .. ARGV[i + 1])
      else
        redis.call('HDEL', KEYS[1], productId)
      end
      changed[#changed + 1] = productId
    end
  end
  return changed
end
local applied = 0
local disagree = {}
local listed = {}
local first = 2
local current_generation = true
if mode == 'sync' then
  first = 3
  current_generation = redis.call('HGET', KEYS[1], '${GENERATION_FIELD}') == ARGV[2]
  if current_generation then redis.call('HSET', KEYS[1], '${SYNCED_FIELD}', '1') end
end
for i = first, #ARGV, 3 do
  local productId, available, version = ARGV[i], ARGV[i + 1], ARGV[i + 2]
  listed[productId] = true
  local current = redis.call('HGET', KEYS[1], productId)
  local currentVersion, currentAvailable = -1, nil
  if current then
    local v, a = string.match(current, '^(%d+):(.*)$')
    currentVersion, currentAvailable = tonumber(v), a
  end
  if tonumber(version) > currentVersion then
    redis.call('HSET', KEYS[1], productId, version .. ':' .. available)
    applied = applied + 1
  elseif currentVersion > tonumber(version) or currentAvailable ~= available then
    disagree[#disagree + 1] = productId
    disagree[#disagree + 1] = current
  end
end
if mode ~= 'sync' then return applied end
if not current_generation then return {applied, {}, {}, 0} end
local unlisted = {}
local held = redis.call('HGETALL', KEYS[1])
for i = 1, #held, 2 do
  if string.sub(held[i], 1, 1) ~= ':' and not listed[held[i]] then
    unlisted[#unlisted + 1] = held[i]
    unlisted[#unlisted + 1] = held[i + 1]
  end
end
return {applied, disagree, unlisted, 1}
`;
