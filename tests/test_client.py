"""The Python client against a scripted API (httpx.MockTransport): Retry-After is honoured,
answers parse into typed jobs, error bodies become ApiError, downloads are hash-checked."""

import asyncio
import hashlib
from pathlib import Path

import httpx
import pytest

import client.async_client
import client.sync_client
from client import ApiError, ArtifactMismatch, AsyncDfrecClient, DfrecClient, JobTimeout

JOB_ID = "0" * 32
PNG = b"\x89PNG fake"


def job_body(status: str, sha256: str = hashlib.sha256(PNG).hexdigest()) -> dict:
    finished = status in ("succeeded", "not_applicable")
    result = {
        "fake_probability": 0.25,
        "faces_detected": 1,
        "faces": [],
        "model": {"name": "dfrec", "version": "1", "version_label": "x", "variant": "tiny"},
        "artifacts": {
            "mask": {
                "url": f"/jobs/{JOB_ID}/artifacts/mask.png",
                "media_type": "image/png",
                "sha256": sha256,
                "width": 4,
                "height": 4,
            }
        },
        "image_size": 4,
        "timings_ms": {"total": 1.0},
    }
    links = {"self": f"/jobs/{JOB_ID}"}
    if finished:
        links["evidence"] = f"/jobs/{JOB_ID}/evidence"
    return {
        "id": JOB_ID,
        "status": status,
        "stage": "done" if finished else "infer",
        "created_at": "2026-01-01T00:00:00Z",
        "started_at": None,
        "finished_at": None,
        "attempts": 1,
        "input": {"sha256": "a", "format": "PNG", "width": 8, "height": 8, "size_bytes": 9},
        "error": None,
        "result": result if finished else None,
        "links": links,
    }


class ScriptedApi:
    """Answers POST /recover with 429 once, then 202; the job runs for two polls."""

    def __init__(self, artifact_sha256: str = hashlib.sha256(PNG).hexdigest()) -> None:
        self.posts = 0
        self.polls = 0
        self.artifact_sha256 = artifact_sha256

    def __call__(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if request.method == "POST":
            self.posts += 1
            if self.posts == 1:
                error = {"error": {"code": "queue_full", "message": "later"}}
                return httpx.Response(429, json=error, headers={"Retry-After": "3"})
            return httpx.Response(202, json=job_body("queued"), headers={"Retry-After": "2"})
        if path.endswith("/mask.png"):
            return httpx.Response(200, content=PNG)
        if path.endswith("/evidence"):
            return httpx.Response(200, json={"format": "dfrec-evidence/1"})
        if path == f"/jobs/{JOB_ID}":
            self.polls += 1
            if self.polls < 3:
                return httpx.Response(200, json=job_body("running"), headers={"Retry-After": "2"})
            return httpx.Response(200, json=job_body("succeeded", self.artifact_sha256))
        return httpx.Response(404, json={"error": {"code": "job_not_found", "message": "no"}})


@pytest.fixture
def sleeps(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Every sleep the clients ask for, without sleeping."""
    asked: list[float] = []

    async def async_sleep(seconds: float) -> None:
        asked.append(seconds)

    monkeypatch.setattr(client.sync_client.time, "sleep", asked.append)
    monkeypatch.setattr(client.async_client.asyncio, "sleep", async_sleep)
    return asked


def test_sync_client_backs_off_on_retry_after(sleeps: list[float], tmp_path: Path) -> None:
    api = ScriptedApi()
    with DfrecClient("http://api", transport=httpx.MockTransport(api)) as dfrec:
        job = dfrec.submit(b"image bytes", "face.png")
        assert job.status == "queued" and api.posts == 2
        finished = dfrec.wait(job.id)
        files = dfrec.download(finished, tmp_path)
    assert sleeps == [3.0, 2.0, 2.0]
    assert finished.result.fake_probability == 0.25 and finished.finished
    assert sorted(path.name for path in files) == ["evidence.json", "mask.png"]
    assert (tmp_path / "mask.png").read_bytes() == PNG


def test_async_client_does_the_same(sleeps: list[float], tmp_path: Path) -> None:
    async def scenario() -> str:
        transport = httpx.MockTransport(ScriptedApi())
        async with AsyncDfrecClient("http://api", transport=transport) as dfrec:
            job = await dfrec.wait((await dfrec.submit(b"image bytes")).id)
            await dfrec.download(job, tmp_path)
            return (await dfrec.evidence(job.id))["format"]

    assert asyncio.run(scenario()) == "dfrec-evidence/1"
    assert sleeps == [3.0, 2.0, 2.0] and (tmp_path / "mask.png").is_file()


def test_errors_timeouts_and_hash_mismatch(sleeps: list[float], tmp_path: Path) -> None:
    with DfrecClient("http://api", transport=httpx.MockTransport(ScriptedApi())) as dfrec:
        with pytest.raises(ApiError) as missing:
            dfrec.job("f" * 32)
        assert missing.value.status_code == 404 and missing.value.code == "job_not_found"
        with pytest.raises(JobTimeout):
            dfrec.wait(JOB_ID, timeout=1.0)
    tampered = ScriptedApi(artifact_sha256="0" * 64)
    tampered.polls = 2  # the job is finished at the next poll
    transport = httpx.MockTransport(tampered)
    with DfrecClient("http://api", transport=transport) as dfrec, pytest.raises(ArtifactMismatch):
        dfrec.download(JOB_ID, tmp_path)
