"""A job the API admits but cannot enqueue ends `failed` / `internal_error` at once, and the
API counts that failure once, where it made it (real Redis, database 15, unique prefix)."""

import io
import uuid
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from PIL import Image
from redis import Redis
from service_stack import REDIS_URL

import service.submission
from dfrec_contract.jobstore import JobStore
from dfrec_contract.status import JobStatus
from service.app import create_app
from service.config import ServiceSettings
from worker.localrun.processes import free_port


def broker_down(*_) -> None:
    raise ConnectionError("broker unreachable")


@pytest.fixture
def prefix(redis: Redis) -> Iterator[str]:
    prefix = f"dfrec-test-{uuid.uuid4().hex[:12]}:"
    yield prefix
    keys = list(redis.scan_iter(match=f"{prefix}*"))
    if keys:
        redis.delete(*keys)


def test_enqueue_failure_fails_the_job_and_counts_it_once(
    redis: Redis, prefix: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(service.submission, "enqueue_recovery", broker_down)
    settings = ServiceSettings(
        env="test",
        redis_url=REDIS_URL,
        redis_key_prefix=prefix,
        triton_http_url=f"http://127.0.0.1:{free_port()}",
    )
    png = io.BytesIO()
    Image.linear_gradient("L").resize((48, 40)).convert("RGB").save(png, format="PNG")
    with TestClient(create_app(settings)) as client:
        response = client.post("/recover", files={"image": ("face.png", png.getvalue())})
        metrics = client.get("/metrics").text
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "redis_unavailable"
    job_ids = [key.decode().removeprefix(f"{prefix}job:") for key in redis.keys(f"{prefix}job:*")]
    [record] = [JobStore(redis, prefix, 60).get(job_id) for job_id in job_ids]
    assert record.status is JobStatus.FAILED and record.error.code == "internal_error"
    assert 'dfrec_jobs_failed_total{code="internal_error"} 1.0' in metrics
