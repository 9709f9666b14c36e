/**
 * Lua prelude: the version a product starts at when seeding or an admin PUT creates it. It is the
 * store's clock in ms, not 1: consumers (the stock cache) keep only levels with a newer version, so
 * a product re-created after its Redis was lost must start above every version it ever carried.
 * Each later change adds 1, so that holds while a product changes less than once per ms on
 * average; 13 digits also stay exact through cjson, which encodes numbers with 14.
 */
export const FIRST_VERSION_LUA = `
local function first_version()
  local now = redis.call('TIME')
  return tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
end
`;
