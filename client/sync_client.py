"""The blocking client."""

import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

from client.errors import JobTimeout
from client.galleries import GalleryClient
from client.models import Job
from client.protocol import (
    EVIDENCE_KEYS_PATH,
    RETRYABLE_STATUSES,
    auth_headers,
    check_and_write,
    downloads,
    parse_job,
    raise_for_error,
    retry_after,
    submit_headers,
    upload_files,
)


class DfrecClient:
    """One connection pool to the API. `submit` retries 429/503 after `Retry-After`, up to
    `max_attempts`; `wait` polls at the pace the server asks for."""

    def __init__(
        self,
        base_url: str,
        api_key: str | None = None,
        timeout: float = 30.0,
        max_attempts: int = 5,
        max_backoff_seconds: float = 30.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.http = httpx.Client(
            base_url=base_url,
            timeout=timeout,
            transport=transport,
            headers=auth_headers(api_key),
        )
        self.max_attempts = max_attempts
        self.max_backoff_seconds = max_backoff_seconds

    def submit(
        self,
        image: str | os.PathLike | bytes,
        filename: str = "image",
        callback_url: str | None = None,
        idempotency_key: str | None = None,
        galleries: list[str] | None = None,
    ) -> Job:
        """Upload a photo (path or bytes); the queued job. Every retry carries the same
        Idempotency-Key (a fresh one unless given), so retries never make a second job.
        `callback_url`: where the finished job's signed summary is POSTed; `galleries`: yours
        to search every face in (result.gallery_matches)."""
        files = upload_files(image, filename)
        data = {"callback_url": callback_url} if callback_url else None
        headers = submit_headers(idempotency_key)
        params = {"galleries": ",".join(galleries)} if galleries else None
        for attempt in range(1, self.max_attempts + 1):
            response = self.http.post(
                "/recover", files=files, data=data, headers=headers, params=params
            )
            if response.status_code not in RETRYABLE_STATUSES or attempt == self.max_attempts:
                break
            time.sleep(retry_after(response, 1.0, self.max_backoff_seconds))
        return parse_job(response)

    def job(self, job_id: str) -> Job:
        return parse_job(self.http.get(f"/jobs/{job_id}"))

    def wait(
        self,
        job_id: str,
        timeout: float = 300.0,
        on_poll: Callable[[Job], None] | None = None,
    ) -> Job:
        """Poll until the job is finished (succeeded, failed or not_applicable); on_poll sees
        every answer (a video's `progress`)."""
        deadline = time.monotonic() + timeout
        while True:
            response = self.http.get(f"/jobs/{job_id}")
            job = parse_job(response)
            if on_poll is not None:
                on_poll(job)
            if job.finished:
                return job
            delay = retry_after(response, 1.0, self.max_backoff_seconds)
            if time.monotonic() + delay > deadline:
                raise JobTimeout(f"job {job_id} still {job.status} after {timeout:.0f} s")
            time.sleep(delay)

    def evidence(self, job_id: str) -> dict[str, Any]:
        """The job's signed evidence manifest."""
        response = self.http.get(f"/jobs/{job_id}/evidence")
        raise_for_error(response)
        return response.json()

    def evidence_keys(self) -> dict[str, Any]:
        """The published public keys (JWK set) that verify evidence manifests."""
        response = self.http.get(EVIDENCE_KEYS_PATH)
        raise_for_error(response)
        return response.json()

    def download(self, job: Job | str, out_dir: str | os.PathLike) -> list[Path]:
        """Every artifact (`<name>.png`, hash-checked) and `evidence.json` into out_dir."""
        job = self.job(job) if isinstance(job, str) else job
        folder = Path(out_dir)
        folder.mkdir(parents=True, exist_ok=True)
        written = []
        for filename, (url, sha256) in downloads(job).items():
            response = self.http.get(url)
            raise_for_error(response)
            written.append(check_and_write(folder / filename, response.content, sha256))
        return written

    def gallery(self, name: str) -> GalleryClient:
        """The calls on one of your galleries (/v1/galleries/{name})."""
        return GalleryClient(self.http, name)

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> "DfrecClient":
        return self

    def __exit__(self, *_) -> None:
        self.close()
