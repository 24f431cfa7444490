//! Lua scripts of the Redis Streams engine.
//!
//! Every state change that reads before it writes runs as one script, so two workers (or a
//! worker and a reclaiming consumer) can never interleave between the check and the change:
//! a job is dead-lettered at most once, a failure of a superseded delivery cannot steal the job
//! back, and a de-duplication key is never set without its job being added.
//!
//! Keys used by all scripts (passed as KEYS so they are declared): `KEYS[1]` the job stream,
//! `KEYS[2]` the hash of last errors by entry ID, `KEYS[3]` the dead-letter stream.

/// Shared helpers, prepended to the scripts that need them.
macro_rules! helpers {
    () => {
        r#"
local function field(fields, name)
  for i = 1, #fields, 2 do
    if fields[i] == name then return fields[i + 1] end
  end
  return false
end

-- Move entry `id` to the dead-letter stream with its error, and forget it.
local function bury(id, job, attempts, err, group, now_ms, max_dead)
  redis.call('XADD', KEYS[3], 'MAXLEN', '~', max_dead, '*',
    'job', job, 'attempts', attempts, 'error', err, 'failed_at_ms', now_ms)
  redis.call('XACK', KEYS[1], group, id)
  redis.call('XDEL', KEYS[1], id)
  redis.call('HDEL', KEYS[2], id)
end
"#
    };
}

/// Adds a job unless its de-duplication key is taken.
///
/// KEYS: 1 stream, 2 dedup key (optional). ARGV: 1 maxlen, 2 job JSON, 3 dedup TTL (s), 4 job id.
/// Returns 1 if added, 0 if de-duplicated.
pub(super) const ENQUEUE: &str = r#"
if KEYS[2] then
  if not redis.call('SET', KEYS[2], ARGV[4], 'NX', 'EX', ARGV[3]) then
    return 0
  end
end
redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], '*', 'job', ARGV[2])
return 1
"#;

/// Acknowledges and deletes an entry (whoever holds it: its results were committed).
///
/// KEYS: 1 stream, 2 errors. ARGV: 1 group, 2 entry id. Returns the XACK count.
pub(super) const ACK: &str = r#"
local n = redis.call('XACK', KEYS[1], ARGV[1], ARGV[2])
redis.call('XDEL', KEYS[1], ARGV[2])
redis.call('HDEL', KEYS[2], ARGV[2])
return n
"#;

/// Records a failed attempt of the current delivery: dead-letter it if it has had its attempts,
/// otherwise remember the error and make it reclaimable after the retry delay (by setting its
/// idle time to `visibility_timeout - retry_delay`; `JUSTID` keeps the delivery count).
///
/// KEYS: 1 stream, 2 errors, 3 dead. ARGV: 1 group, 2 consumer, 3 entry id, 4 attempt,
/// 5 max attempts, 6 error, 7 now (ms), 8 max dead letters, 9 idle to set (ms).
/// Returns `gone`, `stale`, `dead` or `retry`.
pub(super) const FAIL: &str = concat!(
    helpers!(),
    r#"
local p = redis.call('XPENDING', KEYS[1], ARGV[1], ARGV[3], ARGV[3], 1)
if #p == 0 then return 'gone' end
local count = tonumber(p[1][4])
if p[1][2] ~= ARGV[2] or count ~= tonumber(ARGV[4]) then return 'stale' end
if count >= tonumber(ARGV[5]) then
  local e = redis.call('XRANGE', KEYS[1], ARGV[3], ARGV[3])
  local job = ''
  if #e > 0 then job = field(e[1][2], 'job') or '' end
  bury(ARGV[3], job, count, ARGV[6], ARGV[1], ARGV[7], ARGV[8])
  return 'dead'
end
redis.call('HSET', KEYS[2], ARGV[3], ARGV[6])
redis.call('XCLAIM', KEYS[1], ARGV[1], ARGV[2], 0, ARGV[3], 'IDLE', ARGV[9], 'JUSTID')
return 'retry'
"#
);

/// Reclaims one entry whose delivery has been idle longer than the visibility timeout, with
/// `XAUTOCLAIM` from a cursor kept in `KEYS[4]` (so a long pending list is walked a slice per
/// call, not rescanned from the start). Entries that have had their attempts are dead-lettered
/// on the way.
///
/// KEYS: 1 stream, 2 errors, 3 dead, 4 cursor. ARGV: 1 group, 2 consumer, 3 min idle (ms),
/// 4 max attempts, 5 now (ms), 6 max dead letters.
/// Returns `{id, job JSON, delivery count, last error or false}` or nil.
pub(super) const RECLAIM: &str = concat!(
    helpers!(),
    r#"
local cursor = redis.call('GET', KEYS[4]) or '0-0'
local started_at_zero = (cursor == '0-0')
for _ = 1, 64 do
  local r = redis.call('XAUTOCLAIM', KEYS[1], ARGV[1], ARGV[2], ARGV[3], cursor, 'COUNT', 1)
  cursor = r[1]
  local claimed = r[2]
  if #claimed > 0 and type(claimed[1]) == 'table' then
    local id = claimed[1][1]
    local job = field(claimed[1][2], 'job') or ''
    local p = redis.call('XPENDING', KEYS[1], ARGV[1], id, id, 1)
    local count = tonumber(p[1][4])
    local err = redis.call('HGET', KEYS[2], id)
    if count > tonumber(ARGV[4]) then
      if not err then
        err = 'not acknowledged within the visibility timeout after ' .. (count - 1) ..
          ' deliveries (worker died or hung?)'
      end
      bury(id, job, count - 1, err, ARGV[1], ARGV[5], ARGV[6])
    else
      redis.call('SET', KEYS[4], cursor)
      return {id, job, count, err}
    end
  elseif cursor == '0-0' then
    if started_at_zero then break end
    started_at_zero = true
  end
end
redis.call('SET', KEYS[4], cursor)
return nil
"#
);

/// Dead-letters an entry this consumer just read but cannot run (malformed job text).
///
/// KEYS: 1 stream, 2 errors, 3 dead. ARGV: 1 group, 2 entry id, 3 raw job, 4 attempts, 5 error,
/// 6 now (ms), 7 max dead letters.
pub(super) const BURY: &str = concat!(
    helpers!(),
    r#"
bury(ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[1], ARGV[6], ARGV[7])
return 1
"#
);

/// Counts for `stats`: stream length, pending-entry-list size, dead letters.
///
/// KEYS: 1 stream, 2 errors (unused), 3 dead. ARGV: 1 group.
pub(super) const STATS: &str = r#"
local len = redis.call('XLEN', KEYS[1])
local pending = 0
if len > 0 or redis.call('EXISTS', KEYS[1]) == 1 then
  pending = redis.call('XPENDING', KEYS[1], ARGV[1])[1]
end
return {len, pending, redis.call('XLEN', KEYS[3])}
"#;

/// Releases a lock only if it still holds our token (compare-and-delete).
///
/// KEYS: 1 lock key. ARGV: 1 token. Returns 1 if released.
pub(super) const RELEASE_LOCK: &str = r#"
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
"#;
