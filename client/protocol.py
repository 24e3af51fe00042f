"""HTTP details shared by the sync and async clients: parsing, errors, `Retry-After`."""

import hashlib
import os
import uuid
from pathlib import Path

import httpx

from client.errors import ApiError, ArtifactMismatch
from client.models import Job
from dfrec_contract.artifact_files import artifact_file

IMAGE_FIELD = "image"
RETRYABLE_STATUSES = (429, 503)
EVIDENCE_FILE = "evidence.json"
EVIDENCE_KEYS_PATH = "/.well-known/dfrec-keys.json"
IDEMPOTENCY_HEADER = "Idempotency-Key"


def auth_headers(api_key: str | None) -> dict[str, str]:
    return {"Authorization": f"Bearer {api_key}"} if api_key else {}


def submit_headers(idempotency_key: str | None) -> dict[str, str]:
    """One Idempotency-Key for every retry of one submit."""
    return {IDEMPOTENCY_HEADER: idempotency_key or uuid.uuid4().hex}


MEDIA_TYPES = {
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
    ".webp": "image/webp",
}


def upload_files(image: str | os.PathLike | bytes, filename: str) -> dict:
    """The multipart `files=` argument for an image path or its bytes."""
    if isinstance(image, bytes):
        data = image
    else:
        path = Path(image)
        data, filename = path.read_bytes(), path.name
    media_type = MEDIA_TYPES.get(Path(filename).suffix.lower(), "application/octet-stream")
    return {IMAGE_FIELD: (filename, data, media_type)}


def retry_after(response: httpx.Response, default: float, limit: float) -> float:
    """Seconds to wait: the `Retry-After` header (delta seconds), else `default`; capped."""
    try:
        seconds = float(response.headers["Retry-After"])
    except (KeyError, ValueError):
        seconds = default
    return min(max(seconds, 0.0), limit)


def raise_for_error(response: httpx.Response) -> None:
    if response.is_success:
        return
    try:
        error = response.json()["error"]
        code, message = error["code"], error["message"]
    except (ValueError, KeyError, TypeError):
        code, message = "http_error", response.text[:200]
    raise ApiError(response.status_code, code, message)


def parse_job(response: httpx.Response) -> Job:
    raise_for_error(response)
    return Job.model_validate(response.json())


def downloads(job: Job) -> dict[str, tuple[str, str | None]]:
    """file name -> (URL, expected SHA-256 or None) of every file a finished job offers."""
    files: dict[str, tuple[str, str | None]] = {}
    if job.result is not None:
        for name, artifact in job.result.artifacts.items():
            files[artifact_file(name, artifact.media_type)] = (artifact.url, artifact.sha256)
    if "evidence" in job.links:
        files[EVIDENCE_FILE] = (job.links["evidence"], None)
    return files


def check_and_write(path: Path, data: bytes, sha256: str | None) -> Path:
    if sha256 is not None and hashlib.sha256(data).hexdigest() != sha256:
        raise ArtifactMismatch(f"{path.name}: SHA-256 differs from the job's result")
    path.write_bytes(data)
    return path
