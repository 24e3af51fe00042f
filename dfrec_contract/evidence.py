"""The evidence manifest of a job: canonical bytes, signature (Ed25519 or HMAC), verification.

The worker signs with it, the client (`python -m client verify`) checks; standard library plus
`cryptography` (Ed25519).

A manifest is a JSON object. Its `signature` signs the canonical form of every other field:
`json.dumps(sort_keys=True, separators=(",", ":"), ensure_ascii=True)` in UTF-8, so the stored
layout (indentation, key order) does not matter, only the values. Two algorithms:

- `{"algorithm": "ed25519", "key_id": <first 16 hex of SHA-256(raw public key)>, "value":
  <base64url signature>}` (the default): anyone holding the public key can check it; the API
  publishes every public key its workers signed with at `GET /.well-known/dfrec-keys.json`
  (JWK set, RFC 8037 `OKP`/`Ed25519`, `kid` = key id), old ones included, so a rotated key
  keeps old manifests verifiable.
- `{"algorithm": "hmac-sha256", "key_id": <first 16 hex of SHA-256(key)>, "value": <hex>}`:
  the verifier needs the shared secret.

`artifacts` maps each file name to its `sha256` and `size_bytes`; a folder of downloaded files
is checked against it. The public development keys (what a worker signs with when no key is
configured: an HMAC key and an Ed25519 key derived from it) have the key id
`DEVELOPMENT_KEY_ID`: anyone can forge such a signature, so `verify` refuses it unless told
`allow_development_key`.
"""

import base64
import hashlib
import hmac
import json
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

FORMAT = "dfrec-evidence/1"
ALGORITHM = "hmac-sha256"
ED25519 = "ed25519"
SIGNATURE_FIELD = "signature"
DEVELOPMENT_KEY = "dfrec-development-evidence-key-not-secret"
DEVELOPMENT_KEY_ID = "public-development-key"
DEVELOPMENT_KEY_PROBLEM = (
    "signed with the PUBLIC development key: anyone can forge it "
    "(pass --allow-development-key to check it anyway)"
)


def canonical_bytes(manifest: dict[str, Any]) -> bytes:
    """The bytes that are signed: every field but the signature, in canonical JSON."""
    unsigned = {key: value for key, value in manifest.items() if key != SIGNATURE_FIELD}
    text = json.dumps(unsigned, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return text.encode("utf-8")


def key_id(key: bytes) -> str:
    """A public fingerprint of the key, so a verifier can tell it holds the right one;
    DEVELOPMENT_KEY_ID for the public development key."""
    if key == DEVELOPMENT_KEY.encode("utf-8"):
        return DEVELOPMENT_KEY_ID
    return hashlib.sha256(key).hexdigest()[:16]


def signed_with_development_key(manifest: dict[str, Any]) -> bool:
    signature = manifest.get(SIGNATURE_FIELD)
    return isinstance(signature, dict) and signature.get("key_id") == DEVELOPMENT_KEY_ID


def sign(manifest: dict[str, Any], key: bytes) -> dict[str, Any]:
    """A copy of the manifest with its signature."""
    value = hmac.new(key, canonical_bytes(manifest), hashlib.sha256).hexdigest()
    signature = {"algorithm": ALGORITHM, "key_id": key_id(key), "value": value}
    return {**manifest, SIGNATURE_FIELD: signature}


def signature_problems(manifest: dict[str, Any], key: bytes) -> list[str]:
    """Why the HMAC signature does not hold (empty when it does)."""
    signature = manifest.get(SIGNATURE_FIELD)
    if not isinstance(signature, dict):
        return ["the manifest has no signature"]
    if signature.get("algorithm") != ALGORITHM:
        return [f"unsupported signature algorithm {signature.get('algorithm')!r}"]
    if signature.get("key_id") != key_id(key):
        return [f"signed with key {signature.get('key_id')!r}, not with the given key"]
    expected = hmac.new(key, canonical_bytes(manifest), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, str(signature.get("value", ""))):
        return ["the signature does not match the manifest's content"]
    return []


# --- Ed25519 ------------------------------------------------------------------------------


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def development_signing_key() -> Ed25519PrivateKey:
    """The PUBLIC development Ed25519 key (its seed is the SHA-256 of DEVELOPMENT_KEY)."""
    seed = hashlib.sha256(DEVELOPMENT_KEY.encode("utf-8")).digest()
    return Ed25519PrivateKey.from_private_bytes(seed)


def _raw_public(public_key: Ed25519PublicKey) -> bytes:
    return public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def public_key_id(public_key: Ed25519PublicKey) -> str:
    """First 16 hex of SHA-256 of the raw public key; DEVELOPMENT_KEY_ID for the public
    development key."""
    raw = _raw_public(public_key)
    if raw == _raw_public(development_signing_key().public_key()):
        return DEVELOPMENT_KEY_ID
    return hashlib.sha256(raw).hexdigest()[:16]


def load_signing_key(pem: bytes) -> Ed25519PrivateKey:
    """A PKCS#8 PEM Ed25519 private key (`openssl genpkey -algorithm ed25519`)."""
    key = serialization.load_pem_private_key(pem, password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError("the evidence signing key must be an Ed25519 private key")
    return key


def signing_key_pem(key: Ed25519PrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def public_jwk(public_key: Ed25519PublicKey, **extra: Any) -> dict[str, Any]:
    """The public key as a JWK (RFC 8037) with its `kid`."""
    return {
        "kty": "OKP",
        "crv": "Ed25519",
        "alg": "EdDSA",
        "use": "sig",
        "kid": public_key_id(public_key),
        "x": _b64url(_raw_public(public_key)),
        **extra,
    }


def public_keys_from_jwks(document: dict[str, Any]) -> dict[str, Ed25519PublicKey]:
    """kid -> public key, from a JWK set `{"keys": [...]}` or a single JWK."""
    entries = document.get("keys", [document]) if isinstance(document, dict) else []
    keys = {}
    for entry in entries:
        if entry.get("kty") == "OKP" and entry.get("crv") == "Ed25519" and "x" in entry:
            public = Ed25519PublicKey.from_public_bytes(_unb64url(entry["x"]))
            keys[public_key_id(public)] = public
    return keys


def public_keys_from_pem(pem: bytes) -> dict[str, Ed25519PublicKey]:
    public = serialization.load_pem_public_key(pem)
    if not isinstance(public, Ed25519PublicKey):
        raise ValueError("not an Ed25519 public key")
    return {public_key_id(public): public}


def sign_ed25519(manifest: dict[str, Any], key: Ed25519PrivateKey) -> dict[str, Any]:
    """A copy of the manifest with its Ed25519 signature."""
    value = _b64url(key.sign(canonical_bytes(manifest)))
    signature = {"algorithm": ED25519, "key_id": public_key_id(key.public_key()), "value": value}
    return {**manifest, SIGNATURE_FIELD: signature}


def ed25519_problems(
    manifest: dict[str, Any], public_keys: dict[str, Ed25519PublicKey]
) -> list[str]:
    """Why the Ed25519 signature does not hold against any of `public_keys` (empty when it
    does)."""
    signature = manifest.get(SIGNATURE_FIELD)
    if not isinstance(signature, dict):
        return ["the manifest has no signature"]
    if signature.get("algorithm") != ED25519:
        return [f"unsupported signature algorithm {signature.get('algorithm')!r}"]
    public = public_keys.get(str(signature.get("key_id")))
    if public is None:
        known = ", ".join(sorted(public_keys)) or "none"
        return [f"signed with key {signature.get('key_id')!r}; the given public keys are {known}"]
    try:
        public.verify(_unb64url(str(signature.get("value", ""))), canonical_bytes(manifest))
    except (InvalidSignature, ValueError):
        return ["the signature does not match the manifest's content"]
    return []


def artifact_problems(manifest: dict[str, Any], folder: Path) -> list[str]:
    """Which listed artifact files are missing from `folder` or differ from their hash."""
    problems = []
    for name, facts in sorted(manifest.get("artifacts", {}).items()):
        path = folder / name
        if not path.is_file():
            problems.append(f"{name}: missing")
            continue
        data = path.read_bytes()
        if len(data) != facts["size_bytes"] or hashlib.sha256(data).hexdigest() != facts["sha256"]:
            problems.append(f"{name}: content differs from the manifest")
    return problems


def signature_algorithm(manifest: dict[str, Any]) -> str | None:
    signature = manifest.get(SIGNATURE_FIELD)
    return signature.get("algorithm") if isinstance(signature, dict) else None


def verify(
    manifest: dict[str, Any],
    key: bytes | None = None,
    artifacts: Path | None = None,
    *,
    public_keys: dict[str, Ed25519PublicKey] | None = None,
    allow_development_key: bool = False,
) -> list[str]:
    """Every problem with the manifest (and the artifact files, when given); empty = verified.
    An Ed25519 manifest is checked against `public_keys` (kid -> key), an HMAC one against
    `key`. A manifest signed with (or checked against) a development key is refused unless
    allowed."""
    development = signed_with_development_key(manifest) or (
        key is not None and key_id(key) == DEVELOPMENT_KEY_ID
    )
    problems = [] if allow_development_key or not development else [DEVELOPMENT_KEY_PROBLEM]
    if signature_algorithm(manifest) == ED25519:
        if public_keys is None:
            problems.append("an Ed25519 signature needs the public key(s), not a shared key")
        else:
            problems += ed25519_problems(manifest, public_keys)
    elif key is None:
        problems.append("an HMAC signature needs the shared evidence key")
    else:
        problems += signature_problems(manifest, key)
    if artifacts is not None:
        problems += artifact_problems(manifest, artifacts)
    return problems
