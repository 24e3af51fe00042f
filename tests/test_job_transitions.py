"""The transition table is the only writer of a job's status: every status write in the code
goes through the script generated from it, every move it lists is taken and every other one is
refused (real Redis, database 15, unique prefix). Overdue jobs are failed by the workers' sweep
and each failure is counted once, where it happens."""

import ast
import itertools
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from redis import Redis

from dfrec_contract import jobstore_scripts
from dfrec_contract.errors import JobErrorCode
from dfrec_contract.jobstore import JobStore
from dfrec_contract.record import InputFacts, JobError
from dfrec_contract.status import INITIAL_STATUS, TRANSITIONS, JobStage, JobStatus, is_legal

ROOT = Path(__file__).resolve().parents[1]
PROCESS_PACKAGES = ("dfrec_contract", "service", "worker", "client")
HASH_WRITES = {"hset", "hmset", "hsetnx", "hincrby", "hdel"}
FACTS = InputFacts(sha256="0" * 64, format="PNG", width=4, height=3, size_bytes=10)
PATH_TO = {
    JobStatus.QUEUED: [],
    JobStatus.RUNNING: [JobStatus.RUNNING],
    JobStatus.SUCCEEDED: [JobStatus.RUNNING, JobStatus.SUCCEEDED],
    JobStatus.FAILED: [JobStatus.FAILED],
    JobStatus.NOT_APPLICABLE: [JobStatus.RUNNING, JobStatus.NOT_APPLICABLE],
}
"""Legal moves from a new job to each status."""


@pytest.fixture
def failures() -> list[str]:
    return []


@pytest.fixture
def store(redis: Redis, key_prefix: str, failures: list[str]) -> JobStore:
    return JobStore(redis, key_prefix, job_ttl_seconds=60, on_failure=failures.append)


def error_for(target: JobStatus) -> JobError | None:
    return JobError(code="timeout", message="late") if target is JobStatus.FAILED else None


def move(store: JobStore, job_id: str, target: JobStatus, now: float = 1001.0) -> bool:
    return store.move(job_id, target, JobStage.INFER, now, error=error_for(target))


def new_job(store: JobStore, now: float = 1000.0, deadline_seconds: int = 100) -> str:
    job_id = uuid.uuid4().hex
    assert store.admit(
        job_id, FACTS, b"png", now, deadline_seconds=deadline_seconds, max_queued=100
    )
    return job_id


def job_at(store: JobStore, status: JobStatus) -> str:
    job_id = new_job(store)
    for step in PATH_TO[status]:
        assert move(store, job_id, step)
    assert store.get(job_id).status is status
    return job_id


@pytest.mark.parametrize(("source", "target"), list(itertools.product(JobStatus, JobStatus)))
def test_every_move_is_taken_or_refused_as_the_table_says(
    store: JobStore, source: JobStatus, target: JobStatus
) -> None:
    job_id = job_at(store, source)
    moved = move(store, job_id, target)
    assert moved == is_legal(source, target)
    assert store.get(job_id).status is (target if moved else source)


def test_a_job_is_created_at_the_initial_status_and_a_missing_one_never_moves(
    store: JobStore,
) -> None:
    assert store.get(new_job(store)).status is INITIAL_STATUS
    assert not any(move(store, uuid.uuid4().hex, target) for target in JobStatus)


def test_terminal_statuses_have_no_moves_and_every_status_is_reachable() -> None:
    assert {status for status in JobStatus if status.is_terminal} == {
        JobStatus.SUCCEEDED,
        JobStatus.FAILED,
        JobStatus.NOT_APPLICABLE,
    }
    for status, path in PATH_TO.items():
        sources = [INITIAL_STATUS, *path]
        assert all(map(is_legal, sources, path)) and sources[-1] is status
    assert set(TRANSITIONS) == set(JobStatus)


def _modules() -> Iterator[tuple[Path, ast.Module]]:
    for package in PROCESS_PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            yield path, ast.parse(path.read_text(), str(path))


def test_no_code_writes_a_job_hash_but_the_generated_scripts() -> None:
    """No Python hash write anywhere; the only Lua that sets `status` is the admission (at the
    initial status) and the transition script, which checks the table first."""
    calls = [
        f"{path.relative_to(ROOT)}:{node.lineno}"
        for path, tree in _modules()
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr in HASH_WRITES
    ]
    assert calls == []
    status_writers = {
        f"{path.relative_to(ROOT)}:{node.lineno}"
        for path, tree in _modules()
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and "HSET" in node.value.upper()
        and "'status'" in node.value
    }
    scripts = Path(jobstore_scripts.__file__).relative_to(ROOT).as_posix()
    assert all(place.startswith(scripts) for place in status_writers), status_writers
    assert jobstore_scripts.LEGAL_MOVE_GUARD in jobstore_scripts.TRANSITION_SCRIPT
    assert f"'status', '{INITIAL_STATUS.value}'" in jobstore_scripts.ADMIT_SCRIPT


def test_sweep_fails_overdue_jobs_once_and_counts_each_once(
    store: JobStore, failures: list[str]
) -> None:
    queued = new_job(store, now=1000.0, deadline_seconds=10)
    running = new_job(store, now=1000.0, deadline_seconds=10)
    on_time = new_job(store, now=1000.0, deadline_seconds=100)
    finished = new_job(store, now=1000.0, deadline_seconds=10)
    assert store.start(running, JobStage.INFER, 1001.0)
    assert store.start(finished, JobStage.INFER, 1001.0)
    assert store.fail(finished, JobErrorCode.INFERENCE_FAILED, "bad input", 1002.0)
    assert store.fail_overdue(1005.0) == []
    assert sorted(store.fail_overdue(1011.0)) == sorted([queued, running])
    assert store.fail_overdue(1012.0) == []
    for job_id in (queued, running):
        record = store.get(job_id)
        assert record.status is JobStatus.FAILED and record.error.code == "timeout"
    assert store.get(on_time).status is JobStatus.QUEUED
    assert failures == ["inference_failed", "timeout", "timeout"]
