"""`Idempotency-Key` on POST /recover: a retried submit returns the first job, never a second.

    {prefix}idempotency:{tenant}:{SHA-256 of the header}   {"fingerprint", "job_id"} (JSON)

The first request with a key claims it (SET NX, kept `idempotency_ttl_seconds`, 24 h) with the
id its job will get, then creates the job. A request that finds the key claimed compares the
fingerprint (SHA-256 of the image bytes and the callback URL, not of the multipart framing,
which differs between retries): a different body -> 409 `idempotency_conflict`; the same body
-> that job, once it exists (waiting up to `idempotency_wait_seconds` for a concurrent first
request). A first request that fails (bad image, limits, Redis) releases its claim, so a retry
can succeed later. Keys are per tenant: two tenants may use the same header value.
"""

import hashlib
import json
import time
from dataclasses import dataclass

from redis import Redis

from service.errors import ApiError, ErrorCode

MAX_KEY_LENGTH = 255
POLL_SECONDS = 0.05
RELEASE_SCRIPT = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""


def check_header(value: str) -> str:
    if not 1 <= len(value) <= MAX_KEY_LENGTH or not value.isprintable() or not value.isascii():
        raise ApiError(
            422,
            ErrorCode.INVALID_REQUEST,
            f"Idempotency-Key must be 1 to {MAX_KEY_LENGTH} printable ASCII characters",
        )
    return value


def fingerprint(image: bytes, callback_url: str, galleries: tuple[str, ...] = ()) -> str:
    digest = hashlib.sha256(hashlib.sha256(image).digest())
    digest.update(b"\n" + callback_url.encode("utf-8"))
    if galleries:
        digest.update(b"\ngalleries=" + ",".join(galleries).encode("utf-8"))
    return digest.hexdigest()


@dataclass(frozen=True)
class Claim:
    job_id: str
    owner: bool
    """True: this request claimed the key and must create job_id (or release the claim)."""
    value: str


class IdempotencyStore:
    def __init__(self, redis: Redis, prefix: str, ttl_seconds: int) -> None:
        self.redis = redis
        self.prefix = prefix
        self.ttl_seconds = ttl_seconds
        self._release = redis.register_script(RELEASE_SCRIPT)

    def _key(self, tenant: str, header: str) -> str:
        digest = hashlib.sha256(header.encode("utf-8")).hexdigest()
        return f"{self.prefix}idempotency:{tenant}:{digest}"

    def claim(self, tenant: str, header: str, print_: str, new_job_id: str) -> Claim | None:
        """Claim the key for new_job_id, or the claim already there (None: it vanished
        between the two reads; try again). 409 when it was claimed with another body."""
        key = self._key(tenant, header)
        value = json.dumps({"fingerprint": print_, "job_id": new_job_id}, sort_keys=True)
        if self.redis.set(key, value, nx=True, ex=self.ttl_seconds):
            return Claim(new_job_id, owner=True, value=value)
        existing = self.redis.get(key)
        if existing is None:
            return None
        stored = json.loads(existing)
        if stored["fingerprint"] != print_:
            raise ApiError(
                409,
                ErrorCode.IDEMPOTENCY_CONFLICT,
                "this Idempotency-Key was used with a different request; use a new key",
            )
        return Claim(stored["job_id"], owner=False, value=existing.decode())

    def still_claimed(self, tenant: str, header: str, claim: Claim) -> bool:
        return self.redis.get(self._key(tenant, header)) == claim.value.encode()

    def release(self, tenant: str, header: str, claim: Claim) -> None:
        """Drop the claim (only if it is still this request's)."""
        self._release(keys=[self._key(tenant, header)], args=[claim.value])


def wait_for(condition, timeout_seconds: float) -> bool:
    deadline = time.monotonic() + timeout_seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(POLL_SECONDS)
    return condition()
