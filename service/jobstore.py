"""The job record in Redis: the one source of truth about a job, shared by API and worker.

Standard library + redis only, so the worker can import it without FastAPI.

Keys, all under the configured prefix (tests use their own prefix and database):
    {prefix}job:{id}              hash: status, stage, times, input facts, error, result
    {prefix}upload:{id}           the normalized upload (PNG), until the job ends or expires
    {prefix}artifact:{id}:{name}  one output file per artifact name ("mask", "source", ...)
    {prefix}queued                sorted set of queued job ids scored by their deadline

State changes go through Lua scripts (service.jobstore_scripts) so they are atomic and
conditional: a job is admitted only while fewer than the bound are queued, and a finished job
never changes again, which makes a redelivered task harmless (it cannot produce a second result).
"""

import json
from dataclasses import dataclass
from typing import Any

from redis import Redis

from service.contract import JobErrorCode, JobStage, JobStatus
from service.jobstore_scripts import ADMIT_SCRIPT, FINISH_SCRIPT, SET_STAGE_SCRIPT, START_SCRIPT


@dataclass(frozen=True)
class InputFacts:
    """What the API learned about the upload. sha256 is of the bytes exactly as uploaded."""

    sha256: str
    format: str
    width: int
    height: int
    size_bytes: int


@dataclass(frozen=True)
class JobError:
    code: str
    message: str


@dataclass(frozen=True)
class JobRecord:
    id: str
    status: JobStatus
    stage: JobStage
    created_at: float
    deadline_at: float
    started_at: float | None
    finished_at: float | None
    attempts: int
    input: InputFacts
    error: JobError | None
    result: dict[str, Any] | None
    request_id: str = ""
    """The id of the request that submitted the job (see service.request_context)."""

    def is_overdue(self, now: float) -> bool:
        return not self.status.is_terminal and now > self.deadline_at


class JobKeys:
    """Redis key names under one prefix."""

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix

    def job(self, job_id: str) -> str:
        return f"{self.prefix}job:{job_id}"

    def upload(self, job_id: str) -> str:
        return f"{self.prefix}upload:{job_id}"

    def artifact(self, job_id: str, name: str) -> str:
        return f"{self.prefix}artifact:{job_id}:{name}"

    def queued(self) -> str:
        return f"{self.prefix}queued"


def _optional_float(raw: bytes | None) -> float | None:
    return float(raw) if raw else None


class JobStore:
    """Create, read and move jobs through their states. Times are Unix seconds (floats)."""

    def __init__(self, redis: Redis, key_prefix: str, job_ttl_seconds: int) -> None:
        self.redis = redis
        self.keys = JobKeys(key_prefix)
        self.job_ttl_seconds = job_ttl_seconds
        self._admit = redis.register_script(ADMIT_SCRIPT)
        self._start = redis.register_script(START_SCRIPT)
        self._set_stage = redis.register_script(SET_STAGE_SCRIPT)
        self._finish = redis.register_script(FINISH_SCRIPT)

    def admit(
        self,
        job_id: str,
        facts: InputFacts,
        upload: bytes,
        now: float,
        *,
        deadline_seconds: int,
        max_queued: int,
        request_id: str = "",
    ) -> bool:
        """Store the upload and a `queued` record (both expire on their own) if fewer than
        `max_queued` jobs are queued; one script, so concurrent submits never overshoot.
        False when the queue is full. Entries past their deadline are dropped first."""
        deadline_at = now + deadline_seconds
        fields = {
            "id": job_id,
            "status": JobStatus.QUEUED.value,
            "stage": JobStage.QUEUED.value,
            "created_at": repr(now),
            "deadline_at": repr(deadline_at),
            "started_at": "",
            "finished_at": "",
            "attempts": 0,
            "input": json.dumps(facts.__dict__),
            "error": "",
            "result": "",
            "request_id": request_id,
        }
        keys = [self.keys.job(job_id), self.keys.upload(job_id), self.keys.queued()]
        args = [
            repr(now),
            max_queued,
            upload,
            deadline_seconds,
            self.job_ttl_seconds + deadline_seconds,
            repr(deadline_at),
            job_id,
            *(item for pair in fields.items() for item in pair),
        ]
        return bool(self._admit(keys=keys, args=args))

    def get(self, job_id: str) -> JobRecord | None:
        raw = self.redis.hgetall(self.keys.job(job_id))
        if not raw or b"status" not in raw:
            return None
        fields = {key.decode(): value for key, value in raw.items()}
        error = json.loads(fields["error"]) if fields["error"] else None
        return JobRecord(
            id=fields["id"].decode(),
            status=JobStatus(fields["status"].decode()),
            stage=JobStage(fields["stage"].decode()),
            created_at=float(fields["created_at"]),
            deadline_at=float(fields["deadline_at"]),
            started_at=_optional_float(fields["started_at"]),
            finished_at=_optional_float(fields["finished_at"]),
            attempts=int(fields["attempts"]),
            input=InputFacts(**json.loads(fields["input"])),
            error=JobError(**error) if error else None,
            result=json.loads(fields["result"]) if fields["result"] else None,
            request_id=fields.get("request_id", b"").decode(),
        )

    def load_upload(self, job_id: str) -> bytes | None:
        return self.redis.get(self.keys.upload(job_id))

    def start(self, job_id: str, stage: JobStage, now: float) -> bool:
        """queued/running -> running at `stage`. False when the job is finished or gone."""
        keys = [self.keys.job(job_id), self.keys.queued()]
        args = [job_id, JobStatus.RUNNING.value, stage.value, repr(now)]
        return bool(self._start(keys=keys, args=args))

    def set_stage(self, job_id: str, stage: JobStage) -> bool:
        return bool(self._set_stage(keys=[self.keys.job(job_id)], args=[stage.value]))

    def save_artifacts(self, job_id: str, artifacts: dict[str, bytes]) -> None:
        """Write every artifact with the result TTL. Rewriting identical bytes is harmless."""
        pipe = self.redis.pipeline(transaction=True)
        for name, data in artifacts.items():
            pipe.set(self.keys.artifact(job_id, name), data, ex=self.job_ttl_seconds)
        pipe.execute()

    def load_artifact(self, job_id: str, name: str) -> bytes | None:
        return self.redis.get(self.keys.artifact(job_id, name))

    def finish(
        self,
        job_id: str,
        status: JobStatus,
        now: float,
        *,
        result: dict[str, Any] | None = None,
        error: JobError | None = None,
    ) -> bool:
        """Active -> `status`, once. False when the job had already finished (or is gone)."""
        if not status.is_terminal:
            raise ValueError(f"finish() needs a terminal status, got {status}")
        keys = [self.keys.job(job_id), self.keys.queued(), self.keys.upload(job_id)]
        args = [
            job_id,
            status.value,
            JobStage.DONE.value,
            repr(now),
            json.dumps(error.__dict__) if error else "",
            json.dumps(result, sort_keys=True) if result is not None else "",
            self.job_ttl_seconds,
        ]
        return bool(self._finish(keys=keys, args=args))

    def fail_if_overdue(self, record: JobRecord, now: float) -> bool:
        """Fail an unfinished job past its hard deadline with `timeout`. True if it did."""
        if not record.is_overdue(now):
            return False
        message = "the job did not finish before its deadline"
        return self.finish(
            record.id,
            JobStatus.FAILED,
            now,
            error=JobError(JobErrorCode.TIMEOUT.value, message),
        )

    def count_queued(self, now: float) -> int:
        """Jobs waiting for a worker; entries past their deadline are dropped first."""
        pipe = self.redis.pipeline(transaction=True)
        pipe.zremrangebyscore(self.keys.queued(), "-inf", now)
        pipe.zcard(self.keys.queued())
        return int(pipe.execute()[1])
