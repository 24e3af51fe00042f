"""The asyncio client: the same methods as DfrecClient, as coroutines."""

import asyncio
import os
import time
from pathlib import Path
from typing import Any

import httpx

from client.errors import JobTimeout
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


class AsyncDfrecClient:
    """One async connection pool to the API; see DfrecClient for the behaviour."""

    def __init__(
        self,
        base_url: str,
        api_key: str | None = None,
        timeout: float = 30.0,
        max_attempts: int = 5,
        max_backoff_seconds: float = 30.0,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.http = httpx.AsyncClient(
            base_url=base_url,
            timeout=timeout,
            transport=transport,
            headers=auth_headers(api_key),
        )
        self.max_attempts = max_attempts
        self.max_backoff_seconds = max_backoff_seconds

    async def submit(
        self,
        image: str | os.PathLike | bytes,
        filename: str = "image",
        callback_url: str | None = None,
        idempotency_key: str | None = None,
    ) -> Job:
        files = upload_files(image, filename)
        data = {"callback_url": callback_url} if callback_url else None
        headers = submit_headers(idempotency_key)
        for attempt in range(1, self.max_attempts + 1):
            response = await self.http.post("/recover", files=files, data=data, headers=headers)
            if response.status_code not in RETRYABLE_STATUSES or attempt == self.max_attempts:
                break
            await asyncio.sleep(retry_after(response, 1.0, self.max_backoff_seconds))
        return parse_job(response)

    async def job(self, job_id: str) -> Job:
        return parse_job(await self.http.get(f"/jobs/{job_id}"))

    async def wait(self, job_id: str, timeout: float = 300.0) -> Job:
        deadline = time.monotonic() + timeout
        while True:
            response = await self.http.get(f"/jobs/{job_id}")
            job = parse_job(response)
            if job.finished:
                return job
            delay = retry_after(response, 1.0, self.max_backoff_seconds)
            if time.monotonic() + delay > deadline:
                raise JobTimeout(f"job {job_id} still {job.status} after {timeout:.0f} s")
            await asyncio.sleep(delay)

    async def evidence(self, job_id: str) -> dict[str, Any]:
        response = await self.http.get(f"/jobs/{job_id}/evidence")
        raise_for_error(response)
        return response.json()

    async def evidence_keys(self) -> dict[str, Any]:
        response = await self.http.get(EVIDENCE_KEYS_PATH)
        raise_for_error(response)
        return response.json()

    async def download(self, job: Job | str, out_dir: str | os.PathLike) -> list[Path]:
        job = await self.job(job) if isinstance(job, str) else job
        folder = Path(out_dir)
        folder.mkdir(parents=True, exist_ok=True)
        written = []
        for filename, (url, sha256) in downloads(job).items():
            response = await self.http.get(url)
            raise_for_error(response)
            written.append(check_and_write(folder / filename, response.content, sha256))
        return written

    async def close(self) -> None:
        await self.http.aclose()

    async def __aenter__(self) -> "AsyncDfrecClient":
        return self

    async def __aexit__(self, *_) -> None:
        await self.close()
