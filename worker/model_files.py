"""What exactly the model is: the SHA-256 of every file of the Triton model repository.

The worker reads the repository Triton serves (`DFREC_MODEL_REPOSITORY`, mounted read-only)
rather than trusting names: a manifest then pins the weights, configs and backend code
byte for byte, plus the exporter's `export.json` (which names the checkpoint and its SHA-256).
Hashes are computed once per (repository, served version) and process.
"""

import functools
import json
from pathlib import Path
from typing import Any

from dfrec_contract.hashing import file_sha256

EXPORT_MANIFEST = "export.json"
EXPORT_FIELDS = ("variant", "version_label", "target", "checkpoint", "checkpoint_sha256")


def _is_model_file(path: Path) -> bool:
    return path.is_file() and "__pycache__" not in path.parts and not path.name.startswith(".")


@functools.cache
def repository_fingerprint(repository: Path, served_version: str) -> dict[str, Any]:
    """{"export": export.json facts, "files": {relative path: sha256}} of the repository.

    `served_version` is only part of the cache key: a new version served means new files.
    """
    files = sorted(path for path in repository.rglob("*") if _is_model_file(path))
    export_path = repository / EXPORT_MANIFEST
    export = json.loads(export_path.read_text()) if export_path.is_file() else {}
    return {
        "export": {field: export.get(field) for field in EXPORT_FIELDS},
        "files": {path.relative_to(repository).as_posix(): file_sha256(path) for path in files},
    }


def model_files_facts(repository: Path | None, served_version: str) -> dict[str, Any]:
    """The manifest's model-file section; says why when the hashes are unavailable."""
    if repository is None:
        return {"files": None, "unavailable": "DFREC_MODEL_REPOSITORY is not set"}
    if not repository.is_dir():
        return {"files": None, "unavailable": f"model repository {repository} not found"}
    return repository_fingerprint(repository.resolve(), served_version)
