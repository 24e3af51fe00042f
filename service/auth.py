"""Who is calling: the API key of a request, its tenant and scopes (dfrec_contract.apikeys).

A key comes as `Authorization: Bearer <key>` or `X-API-Key: <key>`. No key, an unknown key, or
the development key in production -> 401 `unauthorized`; a revoked key -> 401 `key_revoked`;
a key without the route's scope -> 403 `forbidden`. Routes declare what they need with the
`Submitter`, `Reader` and `Admin` dependencies.

Outside production the API makes sure a development key exists at start (all scopes, no
limits) and prints it; in production it refuses to start until at least one non-development
key is active.
"""

import dataclasses
import logging
import sys
import time
from typing import Annotated

from fastapi import Depends, Request
from redis import RedisError

from dfrec_contract.apikeys import (
    ApiKeyRecord,
    KeyStore,
    Quota,
    Scope,
    key_digest,
    new_key,
    new_webhook_secret,
)
from service.config import ServiceSettings
from service.dependencies import State
from service.errors import ApiError, ErrorCode
from service.state import ServiceState

KEY_HEADER = "x-api-key"
BEARER = "bearer "
CHALLENGE = {"WWW-Authenticate": 'Bearer realm="dfrec"'}
UNLIMITED = Quota(rate_per_minute=0, burst=0, max_active_jobs=0)
logger = logging.getLogger(__name__)
NO_KEY_MESSAGE = "send an API key as `Authorization: Bearer <key>` or `X-API-Key: <key>`"


def presented_key(request: Request) -> str | None:
    authorization = request.headers.get("authorization", "")
    if authorization[: len(BEARER)].lower() == BEARER:
        return authorization[len(BEARER) :].strip() or None
    return request.headers.get(KEY_HEADER, "").strip() or None


def _unauthorized(code: ErrorCode, message: str) -> ApiError:
    return ApiError(401, code, message, headers=dict(CHALLENGE))


def authenticate(state: ServiceState, key: str | None) -> ApiKeyRecord:
    """The key's record; ApiError 401 otherwise (see the module docstring)."""
    if not key:
        raise _unauthorized(ErrorCode.UNAUTHORIZED, NO_KEY_MESSAGE)
    development = state.development_key
    try:
        if development is not None and key_digest(key) == development.digest:
            record = development
        else:
            record = state.keys.get(key)
    except RedisError as error:
        raise ApiError(
            503, ErrorCode.REDIS_UNAVAILABLE, "the key store is unreachable; retry later"
        ) from error
    production = state.settings.env == "production"
    if record is None or (record.development and production):
        state.metrics.auth_failures.labels(code=ErrorCode.UNAUTHORIZED.value).inc()
        raise _unauthorized(ErrorCode.UNAUTHORIZED, "unknown API key")
    if record.revoked:
        state.metrics.auth_failures.labels(code=ErrorCode.KEY_REVOKED.value).inc()
        raise _unauthorized(ErrorCode.KEY_REVOKED, f"API key {record.id} was revoked")
    return record


def _requiring(scope: Scope):
    def dependency(request: Request, state: State) -> ApiKeyRecord:
        record = authenticate(state, presented_key(request))
        if scope not in record.scopes:
            state.metrics.tenant_rejected.labels(
                tenant=record.tenant, code=ErrorCode.FORBIDDEN.value
            ).inc()
            raise ApiError(
                403, ErrorCode.FORBIDDEN, f"API key {record.id} lacks the {scope.value!r} scope"
            )
        return record

    return dependency


Submitter = Annotated[ApiKeyRecord, Depends(_requiring(Scope.SUBMIT))]
Reader = Annotated[ApiKeyRecord, Depends(_requiring(Scope.READ))]
Admin = Annotated[ApiKeyRecord, Depends(_requiring(Scope.ADMIN))]
GalleryReader = Annotated[ApiKeyRecord, Depends(_requiring(Scope.GALLERY_READ))]
GalleryWriter = Annotated[ApiKeyRecord, Depends(_requiring(Scope.GALLERY_WRITE))]


def prepare_keys(settings: ServiceSettings, keys: KeyStore) -> ApiKeyRecord | None:
    """At start: outside production, the development key, stored (when Redis answers) and
    printed; in production, refuse to start without an active key (None)."""
    if settings.env == "production":
        if not keys.active_keys(include_development=False):
            raise RuntimeError(
                "production mode needs at least one active API key: "
                "python -m service.admin keys create --name NAME --tenant TENANT"
            )
        return None
    configured = settings.development_api_key
    key = configured.get_secret_value() if configured else new_key()
    fields = {"name": "development", "tenant": settings.development_tenant}
    try:
        _, record = keys.create(
            **fields, scopes=frozenset(Scope), quota=UNLIMITED, key=key, development=True
        )
    except RedisError as error:
        logger.warning("could not store the development key (%r); it works in this process", error)
        record = ApiKeyRecord(
            digest=key_digest(key),
            scopes=frozenset(Scope),
            quota=UNLIMITED,
            created_at=time.time(),
            revoked_at=None,
            webhook_secret=new_webhook_secret(),
            development=True,
            **fields,
        )
    print(
        f"dfrec API development key (tenant {settings.development_tenant!r}, all scopes; "
        f"refused in production): {key}\n"
        f"its webhook secret (verifies the callbacks of its jobs): {record.webhook_secret}",
        file=sys.stderr,
        flush=True,
    )
    return dataclasses.replace(record)
