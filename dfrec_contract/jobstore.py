"""The job record in Redis: the one source of truth about a job, shared by API and worker.

Keys, all under the configured prefix (tests use their own prefix and database):
    {prefix}job:{id}              hash: status, stage, times, input facts, error, result,
                                  a video job's frames_done / frames_total
    {prefix}upload:{id}           the normalized upload (PNG), or a video's file name in the video
                                  storage (dfrec_contract.video_storage), until the job ends
    {prefix}artifact:{id}:{name}  one output file per artifact name ("mask", "source", ...)
    {prefix}queued                sorted set of queued job ids scored by their deadline
    {prefix}active                sorted set of unfinished job ids scored by their deadline
    {prefix}key-active:{key id}   sorted set of one API key's unfinished job ids (its limit)
    {prefix}webhook:{id}          list of the job's callback delivery attempts (JSON)

A job's status changes only in `move`, through a script generated from the transition table
(dfrec_contract.status.TRANSITIONS): atomic and conditional, so a job is admitted only while
fewer than the bound are queued, and a finished job never changes again, which makes a
redelivered task harmless (it cannot produce a second result). Every move to `failed` is
reported to `on_failure` once, where it happens, so each process counts the failures it made.
"""

import dataclasses
import json
from collections.abc import Callable
from enum import IntEnum

from redis import Redis

from dfrec_contract.errors import JobErrorCode
from dfrec_contract.jobstore_scripts import (
    ADMIT_SCRIPT,
    ADVANCE_PROGRESS_SCRIPT,
    SAVE_ARTIFACTS_SCRIPT,
    SET_PROGRESS_SCRIPT,
    SET_STAGE_SCRIPT,
    TRANSITION_SCRIPT,
)
from dfrec_contract.record import InputFacts, JobError, JobRecord
from dfrec_contract.result import JobResult
from dfrec_contract.settings import SharedSettings
from dfrec_contract.status import JobStage, JobStatus
from dfrec_contract.video import JobProgress

OVERDUE_MESSAGE = "the job did not finish before its deadline"


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

    def active(self) -> str:
        return f"{self.prefix}active"

    def key_active(self, api_key_id: str) -> str:
        return f"{self.prefix}key-active:{api_key_id}"

    def webhook(self, job_id: str) -> str:
        return f"{self.prefix}webhook:{job_id}"


class Admission(IntEnum):
    """What `JobStore.admit` did; true only when the job was admitted."""

    ADMITTED = 1
    QUEUE_FULL = 0
    KEY_LIMIT = -1
    """The submitting key already has its maximum of unfinished jobs."""

    def __bool__(self) -> bool:
        return self is Admission.ADMITTED


def _optional_float(raw: bytes) -> float | None:
    return float(raw) if raw else None


def _progress(fields: dict[str, bytes]) -> JobProgress | None:
    if "frames_total" not in fields:
        return None
    return JobProgress(int(fields["frames_done"]), int(fields["frames_total"]))


def _ignore_failure(code: str) -> None:
    pass


class JobStore:
    """Create, read and move jobs through their states. Times are Unix seconds (floats)."""

    def __init__(
        self,
        redis: Redis,
        key_prefix: str,
        job_ttl_seconds: int,
        on_failure: Callable[[str], None] = _ignore_failure,
    ) -> None:
        self.redis = redis
        self.keys = JobKeys(key_prefix)
        self.job_ttl_seconds = job_ttl_seconds
        self.on_failure = on_failure
        """Called with the error code each time this store moves a job to `failed`."""
        self._admit = redis.register_script(ADMIT_SCRIPT)
        self._transition = redis.register_script(TRANSITION_SCRIPT)
        self._set_stage = redis.register_script(SET_STAGE_SCRIPT)
        self._save_artifacts = redis.register_script(SAVE_ARTIFACTS_SCRIPT)
        self._set_progress = redis.register_script(SET_PROGRESS_SCRIPT)
        self._advance_progress = redis.register_script(ADVANCE_PROGRESS_SCRIPT)

    @classmethod
    def connect(
        cls,
        settings: SharedSettings,
        timeout_seconds: float,
        on_failure: Callable[[str], None] = _ignore_failure,
    ) -> "JobStore":
        """A store on a new connection to the settings' Redis, under their key prefix."""
        redis = Redis.from_url(
            settings.redis_url,
            socket_timeout=timeout_seconds,
            socket_connect_timeout=timeout_seconds,
        )
        return cls(redis, settings.redis_key_prefix, settings.job_ttl_seconds, on_failure)

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
        tenant: str = "",
        api_key_id: str = "",
        callback_url: str = "",
        key_max_active: int = 0,
        galleries: tuple[str, ...] = (),
    ) -> Admission:
        """Store the upload and a `queued` record (both expire on their own) if fewer than
        `max_queued` jobs are queued and (when key_max_active > 0) the key `api_key_id` has
        fewer unfinished jobs; one script, so concurrent submits never overshoot. Entries past
        their deadline are dropped first."""
        deadline_at = now + deadline_seconds
        fields = {
            "id": job_id,
            "stage": JobStage.QUEUED.value,
            "created_at": repr(now),
            "deadline_at": repr(deadline_at),
            "started_at": "",
            "finished_at": "",
            "attempts": 0,
            "input": json.dumps(dataclasses.asdict(facts)),
            "error": "",
            "result": "",
            "request_id": request_id,
            "tenant": tenant,
            "api_key_id": api_key_id,
            "callback_url": callback_url,
            "galleries": ",".join(galleries),
        }
        keys = [
            self.keys.job(job_id),
            self.keys.upload(job_id),
            self.keys.queued(),
            self.keys.active(),
            self.keys.key_active(api_key_id),
        ]
        args = [
            repr(now),
            max_queued,
            upload,
            deadline_seconds,
            self.job_ttl_seconds + deadline_seconds,
            repr(deadline_at),
            job_id,
            key_max_active,
            self.keys.job(""),
            *(item for pair in fields.items() for item in pair),
        ]
        return Admission(int(self._admit(keys=keys, args=args)))

    def get(self, job_id: str) -> JobRecord | None:
        raw = self.redis.hgetall(self.keys.job(job_id))
        if not raw or b"status" not in raw:
            return None
        fields = {key.decode(): value for key, value in raw.items()}
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
            error=JobError(**json.loads(fields["error"])) if fields["error"] else None,
            result=JobResult.model_validate_json(fields["result"]) if fields["result"] else None,
            request_id=fields.get("request_id", b"").decode(),
            tenant=fields.get("tenant", b"").decode(),
            api_key_id=fields.get("api_key_id", b"").decode(),
            callback_url=fields.get("callback_url", b"").decode(),
            progress=_progress(fields),
            galleries=tuple(
                name for name in fields.get("galleries", b"").decode().split(",") if name
            ),
        )

    def load_upload(self, job_id: str) -> bytes | None:
        return self.redis.get(self.keys.upload(job_id))

    def move(
        self,
        job_id: str,
        target: JobStatus,
        stage: JobStage,
        now: float,
        *,
        result: JobResult | None = None,
        error: JobError | None = None,
    ) -> bool:
        """Change the job's status to `target` if the transition table allows it from its
        current status; the only status change there is. False when refused (or no job).
        `error` goes with `failed` and only with it."""
        if (target is JobStatus.FAILED) != (error is not None):
            raise ValueError(f"a move to {target} {'needs' if error is None else 'takes no'} error")
        keys = [
            self.keys.job(job_id),
            self.keys.queued(),
            self.keys.active(),
            self.keys.upload(job_id),
        ]
        args = [
            job_id,
            target.value,
            stage.value,
            repr(now),
            json.dumps(dataclasses.asdict(error)) if error else "",
            result.model_dump_json() if result is not None else "",
            self.job_ttl_seconds,
        ]
        moved = bool(self._transition(keys=keys, args=args))
        if moved and target is JobStatus.FAILED:
            self.on_failure(error.code)
        return moved

    def start(self, job_id: str, stage: JobStage, now: float) -> bool:
        """queued/running -> running at `stage`. False when the job is finished or gone."""
        return self.move(job_id, JobStatus.RUNNING, stage, now)

    def finish(
        self,
        job_id: str,
        status: JobStatus,
        now: float,
        *,
        result: JobResult | None = None,
        error: JobError | None = None,
    ) -> bool:
        """Active -> `status`, once. False when the job had already finished (or is gone)."""
        if not status.is_terminal:
            raise ValueError(f"finish() needs a terminal status, got {status}")
        return self.move(job_id, status, JobStage.DONE, now, result=result, error=error)

    def fail(self, job_id: str, code: JobErrorCode, message: str, now: float) -> bool:
        """Active -> failed with `code`, once."""
        error = JobError(code=code.value, message=message)
        return self.finish(job_id, JobStatus.FAILED, now, error=error)

    def set_stage(self, job_id: str, stage: JobStage) -> bool:
        return bool(self._set_stage(keys=[self.keys.job(job_id)], args=[stage.value]))

    def set_progress(self, job_id: str, frames_done: int, frames_total: int) -> bool:
        """A running video job's sampled frames done / total (kept once it finishes)."""
        keys = [self.keys.job(job_id)]
        return bool(self._set_progress(keys=keys, args=[frames_done, frames_total]))

    def advance_progress(self, job_id: str) -> bool:
        """One more sampled frame done (never past the total: a redelivered chunk recounts)."""
        return bool(self._advance_progress(keys=[self.keys.job(job_id)], args=[]))

    def save_artifacts(self, job_id: str, artifacts: dict[str, bytes]) -> bool:
        """Write every artifact with the result TTL, while the job is active; False (nothing
        written) once it has finished or is gone."""
        keys = [self.keys.job(job_id), *(self.keys.artifact(job_id, name) for name in artifacts)]
        return bool(
            self._save_artifacts(keys=keys, args=[self.job_ttl_seconds, *artifacts.values()])
        )

    def load_artifact(self, job_id: str, name: str) -> bytes | None:
        return self.redis.get(self.keys.artifact(job_id, name))

    def record_webhook_attempt(self, job_id: str, attempt: dict) -> None:
        """Append one callback delivery attempt (kept as long as a finished job)."""
        pipe = self.redis.pipeline(transaction=True)
        pipe.rpush(self.keys.webhook(job_id), json.dumps(attempt, sort_keys=True))
        pipe.expire(self.keys.webhook(job_id), self.job_ttl_seconds)
        pipe.execute()

    def webhook_attempts(self, job_id: str) -> list[dict]:
        return [json.loads(raw) for raw in self.redis.lrange(self.keys.webhook(job_id), 0, -1)]

    def fail_if_overdue(self, record: JobRecord, now: float) -> bool:
        """Fail an unfinished job past its hard deadline with `timeout`. True if it did."""
        if not record.is_overdue(now):
            return False
        return self.fail(record.id, JobErrorCode.TIMEOUT, OVERDUE_MESSAGE, now)

    def fail_overdue(self, now: float) -> list[str]:
        """Fail every unfinished job past its deadline with `timeout`; the ids it failed.
        Ids of jobs that finished (or expired) meanwhile are dropped from the index."""
        failed = []
        for raw_id in self.redis.zrangebyscore(self.keys.active(), "-inf", now):
            job_id = raw_id.decode()
            if self.fail(job_id, JobErrorCode.TIMEOUT, OVERDUE_MESSAGE, now):
                failed.append(job_id)
            else:
                self.redis.zrem(self.keys.active(), job_id)
        return failed

    def count_queued(self, now: float) -> int:
        """Jobs waiting for a worker; entries past their deadline are dropped first."""
        pipe = self.redis.pipeline(transaction=True)
        pipe.zremrangebyscore(self.keys.queued(), "-inf", now)
        pipe.zcard(self.keys.queued())
        return int(pipe.execute()[1])
