"""API keys: who may call the API, for which tenant, with which scopes and limits.

Kept in Redis under the job key prefix, written by the admin CLI (`python -m service.admin`),
read by the API on every request and by the worker (a key's webhook secret):

    {prefix}apikey:{digest}   one key's record (JSON); digest = SHA-256 (hex) of the key
    {prefix}apikeys           set of every digest (for listing)
    {prefix}audit             list of admin actions as JSON lines, newest last, capped

A key is `dfk_` + 43 base64url characters (32 random bytes). Such a key cannot be guessed, so
one SHA-256 is a safe stored form (salting and stretching are for low-entropy passwords); the
key itself is shown once, when it is created. Revoked keys stay stored, so a revoked key is
told `key_revoked` rather than `unauthorized`. A key's `webhook_secret` signs the callbacks of
the jobs it submitted (dfrec_contract.webhooks); it is stored as is, since the worker needs it.
"""

import dataclasses
import hashlib
import json
import secrets
import time
from enum import StrEnum

from redis import Redis

KEY_PREFIX = "dfk_"
WEBHOOK_SECRET_PREFIX = "whsec_"
SHORT_ID_LENGTH = 12
AUDIT_MAX_LINES = 10_000


class Scope(StrEnum):
    """| scope  | allows                                                           |
    |--------|------------------------------------------------------------------|
    | submit | POST /recover                                                    |
    | read   | GET /jobs/{id}, its artifacts and evidence (own tenant's jobs)   |
    | admin  | GET /admin/keys (own tenant's keys); the CLI needs Redis instead |
    | gallery:read  | GET /v1/galleries/..., POST /v1/galleries/{name}/search   |
    | gallery:write | PUT, POST and DELETE under /v1/galleries (enrol, erase)   |
    """

    SUBMIT = "submit"
    READ = "read"
    ADMIN = "admin"
    GALLERY_READ = "gallery:read"
    GALLERY_WRITE = "gallery:write"


def parse_scopes(text: str) -> frozenset[Scope]:
    """`submit,read` -> {Scope.SUBMIT, Scope.READ}; ValueError names the valid scopes."""
    names = [name.strip() for name in text.split(",") if name.strip()]
    valid = ", ".join(scope.value for scope in Scope)
    unknown = [name for name in names if name not in Scope.__members__.values()]
    if unknown or not names:
        raise ValueError(f"unknown or no scopes {unknown}; choose from {valid}")
    return frozenset(Scope(name) for name in names)


@dataclasses.dataclass(frozen=True)
class Quota:
    """Per-key limits; 0 means unlimited. Submits refill at rate_per_minute up to burst."""

    rate_per_minute: float = 60.0
    burst: int = 10
    max_active_jobs: int = 10


@dataclasses.dataclass(frozen=True)
class ApiKeyRecord:
    digest: str
    name: str
    tenant: str
    scopes: frozenset[Scope]
    quota: Quota
    created_at: float
    revoked_at: float | None
    webhook_secret: str
    development: bool = False
    """The development key (never accepted in production)."""

    @property
    def id(self) -> str:
        """The public id of the key (a prefix of its digest): listed, revoked and logged."""
        return self.digest[:SHORT_ID_LENGTH]

    @property
    def revoked(self) -> bool:
        return self.revoked_at is not None

    def public(self) -> dict:
        """What may be shown about the key: never the key, its digest or its webhook secret."""
        return {
            "id": self.id,
            "name": self.name,
            "tenant": self.tenant,
            "scopes": sorted(scope.value for scope in self.scopes),
            "quota": dataclasses.asdict(self.quota),
            "created_at": self.created_at,
            "revoked_at": self.revoked_at,
            "development": self.development,
        }


def _stored(record: ApiKeyRecord) -> dict:
    fields = dataclasses.asdict(record)
    del fields["digest"]
    fields["scopes"] = sorted(scope.value for scope in record.scopes)
    return fields


def _parsed(digest: str, fields: dict) -> ApiKeyRecord:
    return ApiKeyRecord(
        **{
            **fields,
            "digest": digest,
            "scopes": frozenset(Scope(name) for name in fields["scopes"]),
            "quota": Quota(**fields["quota"]),
        }
    )


def key_digest(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def new_key() -> str:
    return KEY_PREFIX + secrets.token_urlsafe(32)


def new_webhook_secret() -> str:
    return WEBHOOK_SECRET_PREFIX + secrets.token_urlsafe(32)


class KeyStore:
    def __init__(self, redis: Redis, prefix: str) -> None:
        self.redis = redis
        self.prefix = prefix

    def _record_key(self, digest: str) -> str:
        return f"{self.prefix}apikey:{digest}"

    @property
    def _index_key(self) -> str:
        return f"{self.prefix}apikeys"

    @property
    def audit_key(self) -> str:
        return f"{self.prefix}audit"

    def create(
        self,
        name: str,
        tenant: str,
        scopes: frozenset[Scope],
        quota: Quota,
        *,
        key: str | None = None,
        development: bool = False,
    ) -> tuple[str, ApiKeyRecord]:
        """(the key, its record). `key` only for the development key (given by the operator);
        otherwise a fresh random one."""
        if not name or not tenant:
            raise ValueError("a key needs a name and a tenant")
        key = key or new_key()
        digest = key_digest(key)
        existing = self.get_by_digest(digest)
        record = ApiKeyRecord(
            digest=digest,
            name=name,
            tenant=tenant,
            scopes=scopes,
            quota=quota,
            created_at=existing.created_at if existing else time.time(),
            revoked_at=None,
            webhook_secret=existing.webhook_secret if existing else new_webhook_secret(),
            development=development,
        )
        pipe = self.redis.pipeline(transaction=True)
        pipe.set(self._record_key(digest), json.dumps(_stored(record), sort_keys=True))
        pipe.sadd(self._index_key, digest)
        pipe.execute()
        return key, record

    def get(self, key: str) -> ApiKeyRecord | None:
        return self.get_by_digest(key_digest(key))

    def get_by_digest(self, digest: str) -> ApiKeyRecord | None:
        raw = self.redis.get(self._record_key(digest))
        return None if raw is None else _parsed(digest, json.loads(raw))

    def all(self) -> list[ApiKeyRecord]:
        digests = sorted(digest.decode() for digest in self.redis.smembers(self._index_key))
        records = [self.get_by_digest(digest) for digest in digests]
        return sorted((r for r in records if r is not None), key=lambda r: r.created_at)

    def find(self, key_id: str) -> ApiKeyRecord:
        """The one key whose id (or digest) starts with `key_id`; KeyError otherwise."""
        matches = [r for r in self.all() if key_id and r.digest.startswith(key_id)]
        if len(matches) != 1:
            raise KeyError(f"{len(matches)} keys have an id starting with {key_id!r}")
        return matches[0]

    def revoke(self, key_id: str) -> ApiKeyRecord:
        record = self.find(key_id)
        if not record.revoked:
            record = dataclasses.replace(record, revoked_at=time.time())
            stored = json.dumps(_stored(record), sort_keys=True)
            self.redis.set(self._record_key(record.digest), stored)
        return record

    def active_keys(self, *, include_development: bool) -> list[ApiKeyRecord]:
        return [
            r for r in self.all() if not r.revoked and (include_development or not r.development)
        ]

    def audit(self, actor: str, action: str, **details: object) -> str:
        """Append one admin action to the audit list; the JSON line written."""
        line = json.dumps(
            {"at": time.time(), "actor": actor, "action": action, **details}, sort_keys=True
        )
        pipe = self.redis.pipeline(transaction=True)
        pipe.rpush(self.audit_key, line)
        pipe.ltrim(self.audit_key, -AUDIT_MAX_LINES, -1)
        pipe.execute()
        return line

    def audit_lines(self, count: int = 100) -> list[str]:
        return [line.decode() for line in self.redis.lrange(self.audit_key, -count, -1)]
