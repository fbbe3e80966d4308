import { createHash } from 'node:crypto';

/**
 * Append a batch of entries, skipping each event whose id was appended within the window. Atomic
 * on the server, so a re-publish after a crash (or after a lost reply) never adds a second entry;
 * one call per batch keeps the cost of this near a plain pipelined XADD.
 *
 * KEYS: per event, its stream then its marker (the marker shares the stream's hash slot).
 * ARGV: window in seconds, the number of trim arguments, those, then per event the number of
 * field/value strings followed by them.
 * Reply, per event: `{entry id, 0}` appended, `{original entry id, 1}` already there (its marker's
 * TTL restarts), or
 * `{'', 2, error}` when that event's XADD failed (the others still go through).
 */
export const IDEMPOTENT_APPEND_SCRIPT = `local window = ARGV[1]
local trimCount = tonumber(ARGV[2])
local head = {}
for i = 1, trimCount do head[i] = ARGV[2 + i] end
head[trimCount + 1] = '*'
local pos = 3 + trimCount
local out = {}
for e = 1, #KEYS / 2 do
  local stream, marker = KEYS[2 * e - 1], KEYS[2 * e]
  local count = tonumber(ARGV[pos])
  local existing = redis.pcall('GET', marker)
  if type(existing) == 'string' then
    -- A write even for a duplicate: a WAIT after this script then also covers the original append.
    redis.call('EXPIRE', marker, window)
    out[e] = {existing, 1}
  elseif type(existing) == 'table' and existing.err then
    out[e] = {'', 2, existing.err}
  else
    local args = {}
    for i = 1, trimCount + 1 do args[i] = head[i] end
    for i = 1, count do args[trimCount + 1 + i] = ARGV[pos + i] end
    local id = redis.pcall('XADD', stream, unpack(args))
    if type(id) == 'table' and id.err then
      out[e] = {'', 2, id.err}
    else
      redis.call('SET', marker, id, 'EX', window)
      out[e] = {id, 0}
    end
  end
  pos = pos + 1 + count
end
return out
`;

export const IDEMPOTENT_APPEND_SHA = createHash('sha1').update(IDEMPOTENT_APPEND_SCRIPT).digest('hex');

/** Events per script call: bounds how long one call holds the server (about 10 µs per event). */
export const IDEMPOTENT_CHUNK = 500;
