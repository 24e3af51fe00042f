"""Faults that heal, against the real stack (bundled Triton, Celery workers, uvicorn API, Redis
database 15): a long job keeps its message while its worker lives, a dead worker or Triton is
restarted by the local supervisor, and the first job after Triton returns succeeds at once.

The tests run in file order: the last one stops and restarts the module's Triton.
"""

import time

import httpx
import pytest
from test_integration_service import finished, poll, submit

from worker.localrun.processes import wait_until
from worker.localrun.supervisor import restart_exited

pytestmark = [pytest.mark.service, pytest.mark.slow]

SHORT_LEASE = {
    "DFREC_VISIBILITY_TIMEOUT_SECONDS": "3",
    "DFREC_BROKER_RESTORE_INTERVAL_SECONDS": "1",
    "DFREC_TRITON_TIMEOUT_SECONDS": "2",
    "DFREC_TRITON_RETRY_BACKOFF_MAX_SECONDS": "1",
    "DFREC_WEBHOOK_TIMEOUT_SECONDS": "1",  # must stay below the visibility timeout
}


def test_a_job_longer_than_the_visibility_timeout_runs_once(make_stack, portrait) -> None:
    """Its worker renews the message's lease, so the idle second worker never takes it (the
    job sleeps for more than twice the visibility timeout; Triton's own timeout is kept long
    enough that a slow first inference on a busy machine is not retried)."""
    lease = SHORT_LEASE | {
        "DFREC_VISIBILITY_TIMEOUT_SECONDS": "6",
        "DFREC_TRITON_TIMEOUT_SECONDS": "5",
    }
    stack = make_stack(workers=2, DFREC_TEST_STAGE_DELAY_SECONDS="14", **lease)
    api = stack.api_url
    job = poll(api, submit(api, portrait(5))["id"], finished)
    assert job["status"] == "succeeded", job
    assert job["attempts"] == 1


def test_supervisor_restarts_a_killed_worker_and_its_job_is_redelivered(
    make_stack, portrait
) -> None:
    stack = make_stack(workers=1, DFREC_TEST_STAGE_DELAY_SECONDS="4", **SHORT_LEASE)
    api = stack.api_url
    job_id = submit(api, portrait(6))["id"]
    poll(api, job_id, lambda job: job["status"] == "running", 60)
    stack.workers[0].kill()
    assert restart_exited(None, [stack.api, *stack.workers]) == ["worker0"]
    restarted = time.monotonic()
    job = poll(api, job_id, finished, 60)
    assert job["status"] == "succeeded" and job["attempts"] >= 2, job
    assert time.monotonic() - restarted < 60


def test_first_job_after_a_triton_restart_succeeds(triton, make_stack, portrait) -> None:
    """Runs last. A job during the outage waits in retry; after Triton is back (restarted by
    the supervisor, same ports) a new job succeeds on its first attempt, and so does the
    waiting one. The waiting job's retries (30, at most 2 s apart) outlast a Triton restart on a
    slow machine: on a 2-core AVX2 EPYC, 8 retries ran out before Triton was back."""
    stack = make_stack(
        DFREC_TRITON_MAX_RETRIES="30",
        DFREC_TRITON_RETRY_BACKOFF_SECONDS="1",
        DFREC_TRITON_RETRY_BACKOFF_MAX_SECONDS="2",
        DFREC_TRITON_TIMEOUT_SECONDS="2",
    )
    api = stack.api_url
    assert poll(api, submit(api, portrait(7))["id"], finished)["status"] == "succeeded"
    triton.stop()
    waiting = submit(api, portrait(8))["id"]
    poll(api, waiting, lambda job: job["stage"] == "retry_wait", 60)
    assert restart_exited(triton, []) == ["triton"]
    wait_until(lambda: httpx.get(f"{api}/readyz").status_code == 200, 30, "readiness")
    job = poll(api, submit(api, portrait(9))["id"], finished)
    assert job["status"] == "succeeded" and job["attempts"] == 1, job
    waited = poll(api, waiting, finished)
    assert waited["status"] == "succeeded", (waited["attempts"], waited.get("error"))
