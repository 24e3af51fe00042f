"""Where the API finds the public evidence keys: each worker publishes the public half of the
key it signs with when it starts, in one Redis hash that never expires:

    {prefix}evidence-key:{kid}   the public JWK (JSON) with `created_at`
    {prefix}evidence-keys        set of the published key ids

`GET /.well-known/dfrec-keys.json` serves them all, newest last. Rotating a worker's key adds
one entry and removes none, so manifests signed before the rotation stay verifiable; an
operator retires a key by removing its id from the set (`SREM`), after which its manifests no longer
verify against the published set.
"""

import json
import time
from typing import TYPE_CHECKING, Any

from redis import Redis

if TYPE_CHECKING:  # the API only serves stored JSON; it never loads `cryptography`
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey


def _index_key(prefix: str) -> str:
    return f"{prefix}evidence-keys"


def _jwk_key(prefix: str, kid: str) -> str:
    return f"{prefix}evidence-key:{kid}"


def publish_public_key(redis: Redis, prefix: str, public_key: "Ed25519PublicKey") -> str:
    """Add the key to the published set (first publication time kept); its key id."""
    from dfrec_contract.evidence import public_jwk

    jwk = public_jwk(public_key, created_at=round(time.time(), 3))
    pipe = redis.pipeline(transaction=True)
    pipe.set(_jwk_key(prefix, jwk["kid"]), json.dumps(jwk, sort_keys=True), nx=True)
    pipe.sadd(_index_key(prefix), jwk["kid"])
    pipe.execute()
    return jwk["kid"]


def published_keys(redis: Redis, prefix: str) -> list[dict[str, Any]]:
    """Every published public JWK, oldest first."""
    kids = sorted(kid.decode() for kid in redis.smembers(_index_key(prefix)))
    raws = redis.mget([_jwk_key(prefix, kid) for kid in kids]) if kids else []
    entries = [json.loads(raw) for raw in raws if raw is not None]
    return sorted(entries, key=lambda jwk: (jwk.get("created_at", 0), jwk["kid"]))
