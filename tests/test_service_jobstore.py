"""Job record transitions in the real Redis (database 15, unique prefix): each is atomic and
conditional, so a finished job never changes and a redelivered task cannot finish it twice."""

import uuid

import pytest
from redis import Redis
from service_stack import REDIS_URL

from dfrec_contract.errors import JobErrorCode
from dfrec_contract.jobstore import JobStore
from dfrec_contract.record import InputFacts, JobError
from dfrec_contract.result import JobResult, ModelFacts
from dfrec_contract.status import JobStage, JobStatus

FACTS = InputFacts(sha256="0" * 64, format="PNG", width=4, height=3, size_bytes=10)
RESULT = JobResult(
    fake_probability=0.5,
    faces_detected=0,
    faces=[],
    model=ModelFacts(name="dfrec", version="1", version_label="tiny-0", variant="tiny"),
    artifacts={},
    image_size=64,
    timings_ms={},
)


@pytest.fixture
def store(redis: Redis, key_prefix: str) -> JobStore:
    return JobStore(redis, key_prefix, job_ttl_seconds=60)


def new_job(store: JobStore, now: float = 1000.0, deadline_seconds: int = 100) -> str:
    job_id = uuid.uuid4().hex
    assert store.admit(
        job_id, FACTS, b"png bytes", now, deadline_seconds=deadline_seconds, max_queued=100
    )
    return job_id


def test_create_then_read(store: JobStore) -> None:
    job_id = new_job(store)
    record = store.get(job_id)
    assert record.status is JobStatus.QUEUED and record.stage is JobStage.QUEUED
    assert record.input == FACTS and record.attempts == 0 and record.started_at is None
    assert store.load_upload(job_id) == b"png bytes"
    assert store.get(uuid.uuid4().hex) is None


def test_start_counts_attempts_and_keeps_first_start_time(store: JobStore) -> None:
    job_id = new_job(store)
    assert store.start(job_id, JobStage.PREPROCESS, 1001.0)
    assert store.start(job_id, JobStage.PREPROCESS, 1005.0)  # redelivered after a crash
    record = store.get(job_id)
    assert record.status is JobStatus.RUNNING and record.attempts == 2
    assert record.started_at == 1001.0


def test_finish_happens_once(store: JobStore) -> None:
    job_id = new_job(store)
    store.start(job_id, JobStage.PREPROCESS, 1001.0)
    assert store.finish(job_id, JobStatus.SUCCEEDED, 1002.0, result=RESULT)
    assert not store.finish(job_id, JobStatus.FAILED, 1003.0, error=JobError("timeout", "late"))
    assert not store.start(job_id, JobStage.PREPROCESS, 1004.0)
    assert not store.set_stage(job_id, JobStage.INFER)
    record = store.get(job_id)
    assert record.status is JobStatus.SUCCEEDED and record.stage is JobStage.DONE
    assert record.finished_at == 1002.0 and record.error is None
    assert store.load_upload(job_id) is None  # the upload is dropped once the job ends


def test_queue_depth_counts_queued_jobs_before_their_deadline(store: JobStore) -> None:
    first, _ = new_job(store, now=1000.0), new_job(store, now=1000.0)
    assert store.count_queued(1001.0) == 2
    store.start(first, JobStage.PREPROCESS, 1001.0)
    assert store.count_queued(1001.0) == 1
    assert store.count_queued(2000.0) == 0  # past the deadline: no longer waiting


def test_overdue_job_fails_with_timeout_once(store: JobStore) -> None:
    job_id = new_job(store, now=1000.0, deadline_seconds=10)
    record = store.get(job_id)
    assert not store.fail_if_overdue(record, 1005.0)
    assert store.fail_if_overdue(record, 1011.0)
    assert not store.fail_if_overdue(record, 1012.0)
    failed = store.get(job_id)
    assert failed.status is JobStatus.FAILED and failed.error.code == "timeout"


def test_artifacts_round_trip(store: JobStore) -> None:
    job_id = new_job(store)
    assert store.save_artifacts(job_id, {"mask": b"m", "source": b"s"})
    assert store.load_artifact(job_id, "mask") == b"m"
    assert store.load_artifact(job_id, "target") is None


def test_a_finished_jobs_artifacts_are_not_replaced(store: JobStore) -> None:
    """A late attempt (its worker cut off, then back) writes nothing over the finisher's."""
    job_id = new_job(store)
    store.start(job_id, JobStage.PREPROCESS, 1001.0)
    assert store.save_artifacts(job_id, {"evidence": b"first"})
    assert store.fail(job_id, JobErrorCode.INTERNAL_ERROR, "x", 1002.0)
    assert not store.save_artifacts(job_id, {"evidence": b"late", "mask": b"late"})
    assert store.load_artifact(job_id, "evidence") == b"first"
    assert store.load_artifact(job_id, "mask") is None
    assert not store.save_artifacts("no-such-job", {"mask": b"m"})


def test_admit_keeps_the_request_id(store: JobStore) -> None:
    job_id = uuid.uuid4().hex
    store.admit(job_id, FACTS, b"x", 1000.0, deadline_seconds=100, max_queued=1, request_id="r-1")
    assert store.get(job_id).request_id == "r-1"


def test_admission_bound_holds_under_200_concurrent_submits(store: JobStore) -> None:
    """The check and the enqueue are one script: a burst never overshoots the bound."""
    import threading
    import time

    bound, submits = 100, 200
    barrier = threading.Barrier(submits)
    admitted: list[bool] = []

    def submit() -> None:
        own = JobStore(Redis.from_url(REDIS_URL), store.keys.prefix, job_ttl_seconds=60)
        barrier.wait()
        job_id, now = uuid.uuid4().hex, time.time()
        admitted.append(
            own.admit(job_id, FACTS, b"png", now, deadline_seconds=100, max_queued=bound)
        )
        own.redis.close()

    threads = [threading.Thread(target=submit) for _ in range(submits)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(admitted) == submits
    assert sum(admitted) == bound
    assert store.count_queued(time.time()) == bound
