/**
 * Lua prelude building the outbox record (the chassis' KafkaRecord in CloudEvents binary mode)
 * inside the script, because the payload holds levels and versions only the script knows.
 * `meta` carries what Node decided: ce_id, ce_time, ce_source, the correlation id and the
 * traceparent (a nil field, so no header, when there is none).
 */
export const EVENT_RECORD_LUA = `
local function event_record(ctype, key, data, meta)
  return cjson.encode({
    topic = ctype,
    key = key,
    value = cjson.encode(data),
    headers = {
      ce_specversion = '1.0',
      ce_id = meta.id,
      ce_type = ctype,
      ce_source = meta.source,
      ce_time = meta.time,
      ce_subject = key,
      ['content-type'] = 'application/json',
      ['x-correlation-id'] = meta.correlationId,
      traceparent = meta.traceparent,
    },
  })
end

local function stock_key(prefix, product_id)
  return prefix .. ':stock:' .. product_id
end

-- Whether a product's stock record is whole: a level and a version. One a store lost, or a
-- part-record an older release's commit made up from a reservation's line, is not: scripts neither
-- give stock back to it nor take it, and the seed writes it anew.
local function whole_record(key)
  local f = redis.call('HMGET', key, 'available', 'version')
  return f[1] ~= false and f[2] ~= false
end
`;
