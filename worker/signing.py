"""The key that signs this worker's evidence manifests (format: dfrec_contract.evidence).

Ed25519 by default: the private key is read once per process from
DFREC_EVIDENCE_SIGNING_KEY_FILE (the public development key when unset, outside production)
and its public half is published in Redis (dfrec_contract.evidence_keys) for the API's
/.well-known/dfrec-keys.json. HMAC-SHA256 with DFREC_EVIDENCE_KEY when
DFREC_EVIDENCE_ALGORITHM=hmac-sha256.
"""

import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from dfrec_contract.evidence import (
    ED25519,
    development_signing_key,
    load_signing_key,
    sign,
    sign_ed25519,
)
from worker.config import WorkerSettings


@dataclass(frozen=True)
class EvidenceSigner:
    algorithm: str
    private_key: Ed25519PrivateKey | None
    hmac_key: bytes

    @property
    def public_key(self) -> Ed25519PublicKey | None:
        """What verifies this signer's manifests (None for HMAC: there is nothing public)."""
        return self.private_key.public_key() if self.private_key else None

    def sign(self, manifest: dict[str, Any]) -> dict[str, Any]:
        if self.private_key is not None:
            return sign_ed25519(manifest, self.private_key)
        return sign(manifest, self.hmac_key)


@functools.cache
def _signer(algorithm: str, key_file: Path | None, hmac_key: str) -> EvidenceSigner:
    if algorithm != ED25519:
        return EvidenceSigner(algorithm, None, hmac_key.encode("utf-8"))
    private = load_signing_key(key_file.read_bytes()) if key_file else development_signing_key()
    return EvidenceSigner(algorithm, private, b"")


def evidence_signer(settings: WorkerSettings) -> EvidenceSigner:
    """The signer of these settings (built once per process and key)."""
    return _signer(
        settings.evidence_algorithm,
        settings.evidence_signing_key_file,
        settings.evidence_key.get_secret_value(),
    )
