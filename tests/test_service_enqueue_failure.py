"""A job the API admits but cannot enqueue ends `failed` / `internal_error` at once, and the
API counts that failure once, where it made it (real Redis, database 15, unique prefix)."""

import io

import pytest
from fastapi.testclient import TestClient
from PIL import Image
from redis import Redis
from service_stack import API_KEY, AUTH, REDIS_URL

import service.submission
from dfrec_contract.jobstore import JobStore
from dfrec_contract.status import JobStatus
from service.app import create_app
from service.config import ServiceSettings
from worker.localrun.processes import free_port


def broker_down(*_) -> None:
    raise ConnectionError("broker unreachable")


def test_enqueue_failure_fails_the_job_and_counts_it_once(
    redis: Redis, key_prefix: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(service.submission, "enqueue_recovery", broker_down)
    settings = ServiceSettings(
        env="test",
        redis_url=REDIS_URL,
        redis_key_prefix=key_prefix,
        triton_http_url=f"http://127.0.0.1:{free_port()}",
        development_api_key=API_KEY,
    )
    png = io.BytesIO()
    Image.linear_gradient("L").resize((48, 40)).convert("RGB").save(png, format="PNG")
    with TestClient(create_app(settings), headers=AUTH) as client:
        response = client.post("/recover", files={"image": ("face.png", png.getvalue())})
        metrics = client.get("/metrics").text
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "redis_unavailable"
    job_ids = [
        key.decode().removeprefix(f"{key_prefix}job:") for key in redis.keys(f"{key_prefix}job:*")
    ]
    [record] = [JobStore(redis, key_prefix, 60).get(job_id) for job_id in job_ids]
    assert record.status is JobStatus.FAILED and record.error.code == "internal_error"
    assert 'dfrec_jobs_failed_total{code="internal_error"} 1.0' in metrics
