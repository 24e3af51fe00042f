"""The Lua scripts behind every job-record change (dfrec_contract.jobstore): atomic, and
generated from the transition table, so Redis refuses exactly the moves the table does not list.

Only two scripts write a job's status: ADMIT_SCRIPT creates the record at INITIAL_STATUS, and
TRANSITION_SCRIPT moves it, after LEGAL_MOVE_GUARD has checked the move against the table.
"""

from dfrec_contract.status import INITIAL_STATUS, TERMINAL_STATUSES, TRANSITIONS, JobStatus


def lua_transition_table() -> str:
    """TRANSITIONS as a Lua table: {["queued"]={["running"]=true, ...}, ...}."""
    rows = []
    for source, targets in TRANSITIONS.items():
        moves = ", ".join(f'["{target.value}"]=true' for target in sorted(targets))
        rows.append(f'["{source.value}"]={{{moves}}}')
    return "{" + ", ".join(rows) + "}"


_CURRENT_MOVES = f"""
local legal = {lua_transition_table()}
local current = redis.call('HGET', KEYS[1], 'status')
local moves = current and legal[current]
"""

LEGAL_MOVE_GUARD = _CURRENT_MOVES + "if not (moves and moves[ARGV[2]]) then return 0 end\n"
"""Returns 0 unless the job KEYS[1] exists and may move to status ARGV[2]."""

ACTIVE_GUARD = _CURRENT_MOVES + "if not (moves and next(moves)) then return 0 end\n"
"""Returns 0 unless the job KEYS[1] exists and is active (has a move out of its status)."""

TRANSITION_SCRIPT = (
    """
-- KEYS: job, queued, active, upload. ARGV: job id, target status, stage, now, error, result,
-- job ttl. Running: counts the attempt, keeps the first start time. Terminal: stores the
-- outcome, sets the record's expiry and drops the upload.
"""
    + LEGAL_MOVE_GUARD
    + f"""
redis.call('HSET', KEYS[1], 'status', ARGV[2], 'stage', ARGV[3])
redis.call('ZREM', KEYS[2], ARGV[1])
if ARGV[2] == '{JobStatus.RUNNING.value}' then
  if redis.call('HGET', KEYS[1], 'started_at') == '' then
    redis.call('HSET', KEYS[1], 'started_at', ARGV[4])
  end
  redis.call('HINCRBY', KEYS[1], 'attempts', 1)
  return 1
end
redis.call('HSET', KEYS[1], 'finished_at', ARGV[4], 'error', ARGV[5], 'result', ARGV[6])
redis.call('EXPIRE', KEYS[1], ARGV[7])
redis.call('ZREM', KEYS[3], ARGV[1])
redis.call('DEL', KEYS[4])
return 1
"""
)

SET_STAGE_SCRIPT = (
    ACTIVE_GUARD
    + """
redis.call('HSET', KEYS[1], 'stage', ARGV[1])
return 1
"""
)

SAVE_ARTIFACTS_SCRIPT = (
    """
-- KEYS: job, then one key per artifact. ARGV: ttl, then each artifact's bytes. Writes nothing
-- once the job has finished: a late attempt (a worker cut off, then back) must not replace
-- the artifacts, the evidence above all, of the attempt that finished it.
"""
    + ACTIVE_GUARD
    + """
for index = 2, #KEYS do
  redis.call('SET', KEYS[index], ARGV[index], 'EX', ARGV[1])
end
return 1
"""
)

SET_PROGRESS_SCRIPT = (
    ACTIVE_GUARD
    + """
redis.call('HSET', KEYS[1], 'frames_done', ARGV[1], 'frames_total', ARGV[2])
return 1
"""
)

ADVANCE_PROGRESS_SCRIPT = (
    ACTIVE_GUARD
    + """
local done = redis.call('HINCRBY', KEYS[1], 'frames_done', 1)
local total = tonumber(redis.call('HGET', KEYS[1], 'frames_total') or done)
if done > total then redis.call('HSET', KEYS[1], 'frames_done', total) end
return 1
"""
)

_TERMINAL = (
    "{" + ", ".join(f'["{status.value}"]=true' for status in sorted(TERMINAL_STATUSES)) + "}"
)

ADMIT_SCRIPT = f"""
-- KEYS: job, upload, queued, active, the submitting key's active jobs. ARGV: now, max_queued,
-- upload, upload ttl, job ttl, deadline_at, job id, max active jobs of the key (0: no limit),
-- the job key prefix, then the record's other field/value pairs.
-- Returns 1 admitted, 0 queue full, -1 the key has max active jobs unfinished.
redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', ARGV[1])
if redis.call('ZCARD', KEYS[3]) >= tonumber(ARGV[2]) then return 0 end
local key_limit = tonumber(ARGV[8])
if key_limit > 0 then
  local terminal = {_TERMINAL}
  redis.call('ZREMRANGEBYSCORE', KEYS[5], '-inf', ARGV[1])
  for _, id in ipairs(redis.call('ZRANGE', KEYS[5], 0, -1)) do
    local status = redis.call('HGET', ARGV[9] .. id, 'status')
    if (not status) or terminal[status] then redis.call('ZREM', KEYS[5], id) end
  end
  if redis.call('ZCARD', KEYS[5]) >= key_limit then return -1 end
  redis.call('ZADD', KEYS[5], ARGV[6], ARGV[7])
  redis.call('EXPIRE', KEYS[5], ARGV[4])
end
redis.call('SET', KEYS[2], ARGV[3], 'EX', ARGV[4])
redis.call('HSET', KEYS[1], 'status', '{INITIAL_STATUS.value}', unpack(ARGV, 10))
redis.call('EXPIRE', KEYS[1], ARGV[5])
redis.call('ZADD', KEYS[3], ARGV[6], ARGV[7])
redis.call('ZADD', KEYS[4], ARGV[6], ARGV[7])
return 1
"""
