"""A job naming a gallery, through the real stack (API and Celery worker processes, Triton on a
tiny random-weight model, Redis) and the real PostgreSQL: every face's raw crop, recovered
source and recovered target are searched; the raw face names the enrolled person."""

import time
from pathlib import Path

import httpx
import pytest
from gallery_db import DATABASE_URL, gallery_schema  # noqa: F401 - the fixture
from service_stack import AUTH

pytestmark = [pytest.mark.service, pytest.mark.slow, pytest.mark.data]

JOB_TIMEOUT = 120.0


def photo(celeba_root: Path, person: int, n: int) -> bytes:
    identities = sorted(path for path in celeba_root.iterdir() if path.is_dir())
    return sorted(identities[person].glob("*.jpg"))[n].read_bytes()


def finished(api: httpx.Client, job_id: str) -> dict:
    deadline = time.monotonic() + JOB_TIMEOUT
    while time.monotonic() < deadline:
        job = api.get(f"/v1/jobs/{job_id}").json()
        if job["status"] in ("succeeded", "failed", "not_applicable"):
            return job
        time.sleep(0.5)
    raise AssertionError(f"job {job_id} did not finish in {JOB_TIMEOUT} s")


def test_job_searches_every_recovered_face(
    make_stack,
    celeba_root: Path,
    gallery_schema: str,  # noqa: F811
) -> None:
    stack = make_stack(DFREC_DATABASE_URL=DATABASE_URL, DFREC_DATABASE_SCHEMA=gallery_schema)
    with httpx.Client(base_url=stack.api_url, headers=AUTH, timeout=30) as api:
        assert api.put("/v1/galleries/protected").status_code == 201
        person = api.post(
            "/v1/galleries/protected/people",
            json={"label": "A", "external_id": "a", "consent_reference": "form 1"},
        ).json()["id"]
        enrol = api.post(
            f"/v1/galleries/protected/people/{person}/photos",
            files={"image": ("a.jpg", photo(celeba_root, 0, 0))},
        )
        assert enrol.status_code == 201, enrol.text
        missing = api.post(
            "/v1/recover?galleries=protected,absent",
            files={"image": ("q.jpg", photo(celeba_root, 0, 1))},
        )
        assert missing.status_code == 404
        assert missing.json()["error"]["code"] == "gallery_not_found"
        submitted = api.post(
            "/v1/recover?galleries=protected",
            files={"image": ("q.jpg", photo(celeba_root, 0, 1))},
        )
        assert submitted.status_code == 202, submitted.text
        job = finished(api, submitted.json()["id"])

    assert job["status"] == "succeeded", job
    matches = job["result"]["gallery_matches"]
    assert [face["index"] for face in matches] == [0]
    raw = matches[0]["raw"]
    assert raw["matches"][0]["person_id"] == person and raw["matches"][0]["same_person"]
    for kind in ("source", "target"):  # a random-weight model: only the shape is known
        assert len(matches[0][kind]["matches"]) == 1
        assert matches[0][kind]["threshold"] == raw["threshold"]
