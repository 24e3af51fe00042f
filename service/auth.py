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

from fastapi import Depends, Security
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer
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
CHALLENGE = {"WWW-Authenticate": 'Bearer realm="dfrec"'}
UNLIMITED = Quota(rate_per_minute=0, burst=0, max_active_jobs=0)
logger = logging.getLogger(__name__)
NO_KEY_MESSAGE = "send an API key as `Authorization: Bearer <key>` or `X-API-Key: <key>`"


BEARER_SCHEME = HTTPBearer(
    scheme_name="bearer", description="`Authorization: Bearer <key>`", auto_error=False
)
API_KEY_SCHEME = APIKeyHeader(
    name=KEY_HEADER, scheme_name="apiKey", description="`X-API-Key: <key>`", auto_error=False
)
"""The two ways to send a key; declared as the OpenAPI security schemes of every keyed route."""


def presented_key(
    bearer: Annotated[HTTPAuthorizationCredentials | None, Security(BEARER_SCHEME)],
    header: Annotated[str | None, Security(API_KEY_SCHEME)],
) -> str | None:
    """The key of `Authorization: Bearer <key>`, else of `X-API-Key: <key>`."""
    if bearer is not None and bearer.credentials.strip():
        return bearer.credentials.strip()
    return (header or "").strip() or None


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
    def dependency(
        state: State, key: Annotated[str | None, Depends(presented_key)]
    ) -> ApiKeyRecord:
        record = authenticate(state, key)
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
