"""Accept one upload: validate it, apply back-pressure, store it, queue the job."""

import contextlib
import time
import uuid

from redis import RedisError

from service.contract import JobErrorCode, JobStatus
from service.errors import ApiError, ErrorCode
from service.images import normalize_image
from service.jobstore import JobError, JobRecord
from service.producer import enqueue_recovery
from service.state import ServiceState


def redis_unavailable(error: Exception) -> ApiError:
    return ApiError(503, ErrorCode.REDIS_UNAVAILABLE, f"the job store is unreachable: {error}")


def submit_job(state: ServiceState, upload: bytes) -> JobRecord:
    """Create and enqueue a job for `upload`; ApiError for bad input, a full queue or no Redis."""
    settings = state.settings
    normalized = normalize_image(upload, settings.max_image_pixels)
    now = time.time()
    job_id = uuid.uuid4().hex
    try:
        if state.store.count_queued(now) >= settings.max_queued_jobs:
            raise ApiError(
                429,
                ErrorCode.QUEUE_FULL,
                f"more than {settings.max_queued_jobs} jobs are queued; retry later",
                headers={"Retry-After": str(settings.retry_after_seconds)},
            )
        state.store.create(
            job_id, normalized.facts, normalized.png, now, settings.job_deadline_seconds
        )
    except RedisError as error:
        raise redis_unavailable(error) from error
    try:
        enqueue_recovery(state.producer, job_id, settings.queue_name)
    except Exception as error:  # kombu raises several unrelated types when the broker is down
        message = f"the job could not be queued: {error}"
        with contextlib.suppress(RedisError):
            state.store.finish(
                job_id,
                JobStatus.FAILED,
                time.time(),
                error=JobError(JobErrorCode.INTERNAL_ERROR.value, message),
            )
        raise redis_unavailable(error) from error
    state.metrics.jobs_submitted.inc()
    record = state.store.get(job_id)
    if record is None:
        raise redis_unavailable(RuntimeError("the new job record vanished"))
    return record
