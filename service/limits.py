"""Per-key submit rate: a token bucket in Redis, taken by one Lua script (atomic across API
processes, timed by the Redis server's clock).

Each key's bucket holds up to `quota.burst` tokens and refills at `quota.rate_per_minute`; a
submit takes one. Answers carry the IETF draft headers `RateLimit-Limit` (the burst),
`RateLimit-Remaining` (whole tokens left) and `RateLimit-Reset` (seconds until the bucket is
full), plus `RateLimit-Policy`; a refused submit also `Retry-After` (seconds until one token is
back). The other per-key limit, unfinished jobs, is checked where the job is admitted
(dfrec_contract.jobstore_scripts.ADMIT_SCRIPT), atomically with creating it.
"""

import math
from dataclasses import dataclass

from redis import Redis

from dfrec_contract.apikeys import ApiKeyRecord

TOKEN_BUCKET_SCRIPT = """
-- KEYS: the bucket. ARGV: capacity, refill tokens per second.
local clock = redis.call('TIME')
local now = tonumber(clock[1]) + tonumber(clock[2]) / 1000000
local capacity = tonumber(ARGV[1])
local rate = tonumber(ARGV[2])
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(state[1]) or capacity
local at = tonumber(state[2]) or now
tokens = math.min(capacity, tokens + math.max(0, now - at) * rate)
local allowed = 0
if tokens >= 1 then
  tokens = tokens - 1
  allowed = 1
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(now))
redis.call('EXPIRE', KEYS[1], math.ceil(capacity / rate) + 1)
local retry = 0
if allowed == 0 then retry = (1 - tokens) / rate end
return {allowed, tostring(tokens), tostring(retry), tostring((capacity - tokens) / rate)}
"""


@dataclass(frozen=True)
class RateDecision:
    allowed: bool
    limit: int
    remaining: int
    retry_after_seconds: int
    reset_seconds: int
    policy: str

    def headers(self) -> dict[str, str]:
        headers = {
            "RateLimit-Limit": str(self.limit),
            "RateLimit-Remaining": str(self.remaining),
            "RateLimit-Reset": str(self.reset_seconds),
            "RateLimit-Policy": self.policy,
        }
        if not self.allowed:
            headers["Retry-After"] = str(self.retry_after_seconds)
        return headers


class SubmitLimiter:
    def __init__(self, redis: Redis, prefix: str) -> None:
        self.prefix = prefix
        self._take = redis.register_script(TOKEN_BUCKET_SCRIPT)

    def take(self, key: ApiKeyRecord) -> RateDecision | None:
        """One submit token of the key's bucket; None when the key has no rate limit."""
        quota = key.quota
        if quota.rate_per_minute <= 0 or quota.burst <= 0:
            return None
        rate = quota.rate_per_minute / 60.0
        allowed, tokens, retry, reset = self._take(
            keys=[f"{self.prefix}ratelimit:{key.id}"], args=[quota.burst, repr(rate)]
        )
        window = round(60 * quota.burst / quota.rate_per_minute)
        return RateDecision(
            allowed=bool(allowed),
            limit=quota.burst,
            remaining=math.floor(float(tokens)),
            retry_after_seconds=max(1, math.ceil(float(retry))),
            reset_seconds=math.ceil(float(reset)),
            policy=f"{quota.burst};w={window}",
        )
