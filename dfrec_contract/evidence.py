"""The evidence manifest of a job: canonical bytes, HMAC-SHA256 signature, verification.

Standard library only: the worker signs with it, the client (`python -m client verify`) checks.

A manifest is a JSON object. Its `signature` is
`{"algorithm": "hmac-sha256", "key_id": <first 16 hex of SHA-256(key)>, "value": <hex>}`, the
HMAC of the canonical form of every other field: `json.dumps(sort_keys=True,
separators=(",", ":"), ensure_ascii=True)` in UTF-8. So the stored layout (indentation, key
order) does not matter, only the values. `artifacts` maps each file name to its `sha256` and
`size_bytes`; a folder of downloaded files is checked against it.

The public development key (what a worker signs with when no key is configured) has the key id
`DEVELOPMENT_KEY_ID`: anyone can forge such a signature, so `verify` refuses it unless told
`allow_development_key`.
"""

import hashlib
import hmac
import json
from pathlib import Path
from typing import Any

FORMAT = "dfrec-evidence/1"
ALGORITHM = "hmac-sha256"
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
    """Why the signature does not hold (empty when it does)."""
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


def verify(
    manifest: dict[str, Any],
    key: bytes,
    artifacts: Path | None = None,
    *,
    allow_development_key: bool = False,
) -> list[str]:
    """Every problem with the manifest (and the artifact files, when given); empty = verified.
    A manifest signed with (or checked against) the development key is refused unless allowed."""
    development = signed_with_development_key(manifest) or key_id(key) == DEVELOPMENT_KEY_ID
    problems = [] if allow_development_key or not development else [DEVELOPMENT_KEY_PROBLEM]
    problems += signature_problems(manifest, key)
    if artifacts is not None:
        problems += artifact_problems(manifest, artifacts)
    return problems
