"""GET /admin/keys: the calling tenant's API keys (needs the `admin` scope). Keys are created
and revoked with `python -m service.admin keys ...`, which also writes the audit lines."""

from fastapi import APIRouter
from redis import RedisError

from service.audit import audit
from service.auth import Admin
from service.dependencies import State
from service.errors import AUTHENTICATED, error_responses
from service.submission import redis_unavailable

router = APIRouter(tags=["admin"])


@router.get(
    "/admin/keys",
    responses=error_responses(*AUTHENTICATED),
    summary="The calling tenant's API keys (never the keys themselves)",
)
def list_keys(state: State, key: Admin) -> dict:
    try:
        records = state.keys.all()
    except RedisError as error:
        raise redis_unavailable() from error
    audit(state.keys, f"api-key:{key.id}", "keys.list", tenant=key.tenant)
    return {"keys": [record.public() for record in records if record.tenant == key.tenant]}
