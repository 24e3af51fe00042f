"""The whole service against real parts: the bundled Triton (via dfrec.triton.launcher) on a
tiny random-weight model, real Celery worker processes, the API under uvicorn, and the real
Redis in database 15 under a unique key prefix per stack (deleted afterwards); fixtures in
tests/service_stack.py. Uploads are celeba-id portraits (one face each).

The tests run in file order: the last one stops the module's Triton on purpose.
"""

import hashlib
import io
import os
import re
import signal
import time

import httpx
import pytest
from PIL import Image
from service_stack import AUTH

from worker.localrun.processes import ManagedProcess, wait_until

pytestmark = [pytest.mark.service, pytest.mark.slow]

JOB_TIMEOUT = 90.0


def submit(api: str, data: bytes) -> dict:
    files = {"image": ("face.jpg", data, "image/jpeg")}
    response = httpx.post(f"{api}/recover", files=files, headers=AUTH)
    assert response.status_code == 202, response.text
    return response.json()


def poll(api: str, job_id: str, until, timeout: float = JOB_TIMEOUT) -> dict:
    """GET the job until `until(job)` holds; fail with the last state otherwise."""
    deadline = time.monotonic() + timeout
    job: dict = {}
    while time.monotonic() < deadline:
        job = httpx.get(f"{api}/jobs/{job_id}", headers=AUTH).json()
        if until(job):
            return job
        time.sleep(0.1)
    raise AssertionError(f"job never reached the expected state; last seen: {job}")


def finished(job: dict) -> bool:
    return job["status"] in ("succeeded", "failed", "not_applicable")


def test_upload_poll_and_fetch_three_pngs(make_stack, portrait) -> None:
    stack = make_stack()
    api = stack.api_url
    wait_until(lambda: httpx.get(f"{api}/readyz").status_code == 200, 30, "readiness")
    data = portrait(1)
    accepted = submit(api, data)
    job = poll(api, accepted["id"], finished)
    assert job["status"] == "succeeded", job
    result = job["result"]
    assert 0.0 <= result["fake_probability"] <= 1.0
    assert result["model"]["name"] == "dfrec" and result["model"]["variant"] == "tiny"
    assert result["model"]["version"] == "1" and result["model"]["version_label"]
    assert job["input"]["sha256"] == hashlib.sha256(data).hexdigest()
    assert set(result["timings_ms"]) >= {
        "queue_wait",
        "preprocess",
        "infer",
        "postprocess",
        "store",
        "total",
    }
    size = result["image_size"]
    for name in ("mask", "source", "target"):
        artifact = result["artifacts"][name]
        response = httpx.get(f"{api}{artifact['url']}", headers=AUTH)
        assert response.status_code == 200 and response.headers["content-type"] == "image/png"
        assert hashlib.sha256(response.content).hexdigest() == artifact["sha256"]
        picture = Image.open(io.BytesIO(response.content))
        assert picture.size == (size, size)
        assert picture.mode == ("L" if name == "mask" else "RGB")


def test_same_image_gives_byte_identical_artifacts(make_stack, portrait) -> None:
    api = make_stack().api_url
    first, second, other = (submit(api, portrait(index)) for index in (7, 7, 8))
    jobs = [poll(api, job["id"], finished) for job in (first, second, other)]
    assert [job["status"] for job in jobs] == ["succeeded"] * 3
    hashes = [{name: a["sha256"] for name, a in job["result"]["artifacts"].items()} for job in jobs]
    assert hashes[0] == hashes[1]
    assert hashes[0]["source"] != hashes[2]["source"]
    assert jobs[0]["result"]["fake_probability"] == jobs[1]["result"]["fake_probability"]


def test_metrics_of_api_and_worker(make_stack, portrait) -> None:
    stack = make_stack()
    api = stack.api_url
    poll(api, submit(api, portrait(2))["id"], finished)
    worker_port = stack.workers[0].env["DFREC_METRICS_PORT"]
    worker_metrics = httpx.get(f"http://127.0.0.1:{worker_port}/metrics").text
    assert "dfrec_jobs_succeeded_total 1.0" in worker_metrics
    assert 'dfrec_job_stage_duration_seconds_count{stage="infer"} 1.0' in worker_metrics
    assert "dfrec_job_duration_seconds_count 1.0" in worker_metrics
    api_metrics = httpx.get(f"{api}/metrics").text
    assert "dfrec_jobs_submitted_total 1.0" in api_metrics
    assert "dfrec_queue_depth 0.0" in api_metrics


def test_job_survives_its_worker_being_killed(make_stack, portrait) -> None:
    """SIGKILL the worker mid-job; a new worker picks the message up after the visibility
    timeout and the job succeeds, exactly once."""
    broker = {
        "DFREC_VISIBILITY_TIMEOUT_SECONDS": "4",
        "DFREC_BROKER_RESTORE_INTERVAL_SECONDS": "1",
        "DFREC_TRITON_TIMEOUT_SECONDS": "3",
        "DFREC_TRITON_RETRY_BACKOFF_MAX_SECONDS": "2",
        "DFREC_WEBHOOK_TIMEOUT_SECONDS": "2",  # must stay below the visibility timeout
    }
    stack = make_stack(workers=1, DFREC_TEST_STAGE_DELAY_SECONDS="30", **broker)
    api = stack.api_url
    job_id = submit(api, portrait(3))["id"]
    poll(api, job_id, lambda job: job["status"] == "running" and job["stage"] == "infer", 60)
    stack.workers[0].kill()
    assert httpx.get(f"{api}/jobs/{job_id}", headers=AUTH).json()["status"] == "running"

    replacement = stack.new_worker("replacement", DFREC_TEST_STAGE_DELAY_SECONDS="0")
    stack.workers.append(replacement.start())
    job = poll(api, job_id, finished)
    assert job["status"] == "succeeded", job
    assert job["attempts"] == 2
    port = replacement.env["DFREC_METRICS_PORT"]
    assert "dfrec_jobs_succeeded_total 1.0" in httpx.get(f"http://127.0.0.1:{port}/metrics").text
    for artifact in job["result"]["artifacts"].values():
        assert httpx.get(f"{api}{artifact['url']}", headers=AUTH).status_code == 200


SCALING_JOBS = 6
SCALING_STAGE_SECONDS = "2"
"""Each job of the scaling test sits this long in `infer` (the test hook): the queue stays busy."""
TAKE_UP_SECONDS = 5.0
"""A worker added under load has its first job this soon after it says it is ready."""
STAMP = r"\[(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}): INFO/MainProcess\] "
READY = STAMP + r"\S+ ready\."
RECEIVED = STAMP + r"Task dfrec\.recover\[([0-9a-f]+)\] received"


def logged_at(process: ManagedProcess, pattern: str) -> float | None:
    """When (epoch seconds) the worker first logged a line matching `pattern`, or None."""
    match = re.search(pattern, process.log_tail(2000))
    if match is None:
        return None
    seconds, milliseconds = match[1].split(",")
    return time.mktime(time.strptime(seconds, "%Y-%m-%d %H:%M:%S")) + int(milliseconds) / 1000


def job_state(api: str, job_id: str) -> dict:
    return httpx.get(f"{api}/jobs/{job_id}", headers=AUTH).json()


def test_a_worker_added_under_load_takes_jobs_and_sigterm_loses_nothing(
    make_stack, portrait
) -> None:
    """What an autoscaler does: a worker added while jobs wait takes one within seconds of
    being ready; SIGTERM (scale-down, rollout) to a busy worker is a warm shutdown that
    finishes its job; every job then succeeds in exactly one attempt."""
    stack = make_stack(workers=1, DFREC_TEST_STAGE_DELAY_SECONDS=SCALING_STAGE_SECONDS)
    api, first = stack.api_url, stack.workers[0]
    ids = [submit(api, portrait(index))["id"] for index in range(SCALING_JOBS)]
    wait_until(lambda: logged_at(first, RECEIVED) is not None, 90, "the first worker's first job")

    added = stack.new_worker("added", DFREC_TEST_STAGE_DELAY_SECONDS=SCALING_STAGE_SECONDS)
    started = time.time()
    stack.workers.append(added.start())
    wait_until(lambda: logged_at(added, RECEIVED) is not None, 90, "the added worker's first job")
    ready, took = logged_at(added, READY), logged_at(added, RECEIVED)
    print(
        f"added worker: ready {ready - started:.1f} s after start, "
        f"first job {took - ready:.2f} s later"
    )
    assert took - ready < TAKE_UP_SECONDS

    # SIGTERM to the first worker while it is inside a job (what the kubelet sends).
    def held_job() -> str:
        """The job the first worker took last."""
        return re.findall(RECEIVED, first.log_tail(2000))[-1][1]

    wait_until(lambda: job_state(api, held_job())["stage"] == "infer", 30, "first worker busy")
    held = held_job()
    os.kill(first.pid, signal.SIGTERM)
    first.process.wait(timeout=60)
    assert first.process.returncode == 0, first.log_tail()  # a warm shutdown, not a crash
    assert re.search(rf"Task dfrec\.recover\[{held}\] succeeded", first.log_tail(2000))

    wait_until(
        lambda: all(job_state(api, job_id)["status"] == "succeeded" for job_id in ids),
        120,
        "every job succeeding on the added worker",
    )
    attempts = {job_id: job_state(api, job_id)["attempts"] for job_id in ids}
    assert attempts == dict.fromkeys(ids, 1)  # none was handed back half done, none ran twice


def test_triton_down_fails_the_job_with_a_clear_code(triton, make_stack, portrait) -> None:
    """Runs last: stops the module's Triton, then submits."""
    triton.stop()
    stack = make_stack(
        DFREC_TRITON_MAX_RETRIES="2",
        DFREC_TRITON_RETRY_BACKOFF_SECONDS="0.2",
        DFREC_TRITON_RETRY_BACKOFF_MAX_SECONDS="1",
        DFREC_TRITON_TIMEOUT_SECONDS="2",
    )
    api = stack.api_url
    job = poll(api, submit(api, portrait(4))["id"], finished)
    assert job["status"] == "failed"
    assert job["error"]["code"] == "triton_unavailable", job["error"]
    assert "after 2 retries" in job["error"]["message"]
    assert job["attempts"] == 3
    readiness = httpx.get(f"{api}/readyz")
    assert readiness.status_code == 503
    body = readiness.json()
    assert body["error"]["code"] == "not_ready" and body["checks"]["redis"] == "ok"
    assert body["checks"]["triton"] != "ok" and "triton" in body["error"]["message"]
