"""The Lua scripts the shadow service runs in Redis (each one atomic: a compare-and-set or an
append-once).

Each is registered once per store (``redis.register_script``) and called with the keys from
:mod:`csms_shadow.storage.keys`.
"""

# Writes a merged shadow (KEYS[1]) only if it still has the version the merge started from (ARGV[1],
# '' for no shadow) and the station (KEYS[2]) is still registered; marks the client token (KEYS[3]) as
# applied. Returns 1 when written, 0 when the shadow changed meanwhile, -1 when the station is gone.
# Every write bumps the version, and the store encodes it last but one (..."version":N,"timestamp":T}),
# so it is read from the document's last bytes, not by sending or decoding the whole document
# (up to SHADOW_MAX_DOCUMENT_BYTES); a document of another layout is decoded.
REPLACE_SHADOW_IF_UNCHANGED = """
local tail = redis.call('GETRANGE', KEYS[1], -64, -1)
local version = ''
if tail ~= '' then
  version = string.match(tail, '"version":(%d+),"timestamp":%d+}$')
  if not version then
    version = tostring(cjson.decode(redis.call('GET', KEYS[1]))['version'])
  end
end
if version ~= ARGV[1] then return 0 end
if redis.call('EXISTS', KEYS[2]) == 0 then return -1 end
redis.call('SET', KEYS[1], ARGV[2])
if ARGV[3] == '1' then redis.call('SET', KEYS[3], '1', 'EX', ARGV[4]) end
return 1
"""


# Allocates an integer transaction id once per key: a retransmitted StartTransaction gets the same id.
ALLOCATE_ONCE = """
local existing = redis.call('GET', KEYS[1])
if existing then return tonumber(existing) end
local id = redis.call('INCR', KEYS[2])
redis.call('SET', KEYS[1], id, 'EX', ARGV[1])
return id
"""


# Writes a transaction record (field ARGV[1] of hash KEYS[1]) only if it still holds what the merge
# started from (ARGV[2], '' for none), within the station's budgets: KEYS[2] orders its records by
# creation (ARGV[5] the score), KEYS[3] holds those not yet Ended (ARGV[4] = '1' for an Ended one).
# A new record that is not Ended is refused while ARGV[6] are open; beyond ARGV[7] records the
# oldest are evicted; all three keys expire ARGV[8] seconds after the last change.
# Returns {1, evicted} when written, {0, 0} when the record changed meanwhile, {-1, 0} refused.
REPLACE_RECORD_IF_UNCHANGED = """
local current = redis.call('HGET', KEYS[1], ARGV[1])
if (current or '') ~= ARGV[2] then return {0, 0} end
local ended = ARGV[4] == '1'
if (not current) and (not ended) and redis.call('SCARD', KEYS[3]) >= tonumber(ARGV[6]) then
  return {-1, 0}
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
if ended then redis.call('SREM', KEYS[3], ARGV[1]) else redis.call('SADD', KEYS[3], ARGV[1]) end
if not current then redis.call('ZADD', KEYS[2], ARGV[5], ARGV[1]) end
local evicted = 0
local excess = redis.call('ZCARD', KEYS[2]) - tonumber(ARGV[7])
if excess > 0 then
  local oldest = redis.call('ZPOPMIN', KEYS[2], excess)
  for i = 1, #oldest, 2 do
    redis.call('HDEL', KEYS[1], oldest[i])
    redis.call('SREM', KEYS[3], oldest[i])
    evicted = evicted + 1
  end
end
for i = 1, 3 do redis.call('EXPIRE', KEYS[i], ARGV[8]) end
return {1, evicted}
"""


# KEYS[1] the stream, KEYS[2] the de-duplication key (ARGV[4] = '1' when used).
# ARGV: [1] max length, [2] oldest time kept (ms), [3] de-duplication TTL, [4] use de-duplication,
# [5..] entries. Returns the new ids, or an empty list when the de-duplication key says this was
# appended before. Retention removes from the head with XDEL, at most 100 entries per call (a
# lowered limit is reached over a few appends): unlike trimming, XDEL keeps the stream's
# max-deleted-entry-id, which tells a reader whether events after its id were removed (410).
APPEND_ONCE = """
if ARGV[4] == '1' and redis.call('EXISTS', KEYS[2]) == 1 then return {} end
local ids = {}
for i = 5, #ARGV do
  ids[#ids + 1] = redis.call('XADD', KEYS[1], '*', 'e', ARGV[i])
end
local max_length = tonumber(ARGV[1])
local oldest_ms = tonumber(ARGV[2])
for _ = 1, 100 do
  local first = redis.call('XRANGE', KEYS[1], '-', '+', 'COUNT', 1)
  if #first == 0 then break end
  local first_ms = tonumber(string.match(first[1][1], '^(%d+)'))
  if redis.call('XLEN', KEYS[1]) <= max_length and first_ms >= oldest_ms then break end
  redis.call('XDEL', KEYS[1], first[1][1])
end
if ARGV[4] == '1' then redis.call('SET', KEYS[2], '1', 'EX', ARGV[3]) end
return ids
"""


# Appends a billing sample entry (ARGV[2]) to the session's log (KEYS[1], a list) unless its digest
# (ARGV[1]) is in the log's digest set (KEYS[2]). Returns the log's new length, 0 for a repeat, -1 for
# a log still stored as one JSON string (the caller converts it, then appends again).
APPEND_SAMPLE = """
if redis.call('TYPE', KEYS[1]).ok == 'string' then return -1 end
if redis.call('SADD', KEYS[2], ARGV[1]) == 0 then return 0 end
return redis.call('RPUSH', KEYS[1], ARGV[2])
"""


# Deletes the reconciler's marker (KEYS[1]) only if it still names message ARGV[1]; 1 when deleted.
UNMARK_IF_MESSAGE = """
local raw = redis.call('GET', KEYS[1])
if not raw then return 0 end
if cjson.decode(raw)['messageId'] ~= ARGV[1] then return 0 end
return redis.call('DEL', KEYS[1])
"""
