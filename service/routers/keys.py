"""GET /.well-known/dfrec-keys.json: the public keys that verify evidence manifests (no key
needed: anyone holding a manifest may check it). Format: dfrec_contract.evidence_keys."""

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from redis import RedisError

from dfrec_contract.evidence_keys import published_keys
from service.dependencies import State
from service.errors import ErrorCode, error_responses
from service.submission import redis_unavailable

router = APIRouter(tags=["evidence"])
WELL_KNOWN_KEYS_PATH = "/.well-known/dfrec-keys.json"


@router.get(
    WELL_KNOWN_KEYS_PATH,
    responses=error_responses(ErrorCode.REDIS_UNAVAILABLE),
    summary="Public Ed25519 keys (JWK set) that sign evidence manifests, old ones included",
)
def evidence_keys(state: State) -> JSONResponse:
    try:
        keys = published_keys(state.redis, state.settings.redis_key_prefix)
    except RedisError as error:
        raise redis_unavailable() from error
    return JSONResponse({"keys": keys}, headers={"Cache-Control": "public, max-age=300"})
