"""The Lua scripts behind every job-record change (service.jobstore): atomic and conditional."""

from service.contract import TERMINAL_STATUSES, JobStatus

_ACTIVE = [status.value for status in JobStatus if status not in TERMINAL_STATUSES]
_LUA_IS_ACTIVE = " or ".join(f"status == '{status}'" for status in _ACTIVE)

START_SCRIPT = f"""
local status = redis.call('HGET', KEYS[1], 'status')
if not ({_LUA_IS_ACTIVE}) then return 0 end
redis.call('HSET', KEYS[1], 'status', ARGV[2], 'stage', ARGV[3])
if redis.call('HGET', KEYS[1], 'started_at') == '' then
  redis.call('HSET', KEYS[1], 'started_at', ARGV[4])
end
redis.call('HINCRBY', KEYS[1], 'attempts', 1)
redis.call('ZREM', KEYS[2], ARGV[1])
return 1
"""

SET_STAGE_SCRIPT = f"""
local status = redis.call('HGET', KEYS[1], 'status')
if not ({_LUA_IS_ACTIVE}) then return 0 end
redis.call('HSET', KEYS[1], 'stage', ARGV[1])
return 1
"""

FINISH_SCRIPT = f"""
local status = redis.call('HGET', KEYS[1], 'status')
if not ({_LUA_IS_ACTIVE}) then return 0 end
redis.call('HSET', KEYS[1], 'status', ARGV[2], 'stage', ARGV[3], 'finished_at', ARGV[4],
           'error', ARGV[5], 'result', ARGV[6])
redis.call('EXPIRE', KEYS[1], ARGV[7])
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('DEL', KEYS[3])
return 1
"""

ADMIT_SCRIPT = """
-- KEYS: job, upload, queued. ARGV: now, max_queued, upload, upload ttl, job ttl, deadline_at,
-- job id, then the record's field/value pairs.
redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', ARGV[1])
if redis.call('ZCARD', KEYS[3]) >= tonumber(ARGV[2]) then return 0 end
redis.call('SET', KEYS[2], ARGV[3], 'EX', ARGV[4])
redis.call('HSET', KEYS[1], unpack(ARGV, 8))
redis.call('EXPIRE', KEYS[1], ARGV[5])
redis.call('ZADD', KEYS[3], ARGV[6], ARGV[7])
return 1
"""
