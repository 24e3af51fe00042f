"""Accept one upload: decode it within its budget, admit it under the queue bound, queue it."""

import contextlib
import time
import uuid
from collections.abc import Iterator

from redis import RedisError

from dfrec_contract.errors import JobErrorCode
from dfrec_contract.record import JobRecord
from service.errors import ApiError, ErrorCode
from service.images import NormalizedImage, normalize_image
from service.producer import enqueue_recovery
from service.state import ServiceState

ENQUEUE_FAILED_MESSAGE = "the job could not be queued"


def redis_unavailable() -> ApiError:
    """503; the cause (with its addresses) is logged by the error handler, not answered."""
    return ApiError(503, ErrorCode.REDIS_UNAVAILABLE, "the job store is unreachable; retry later")


@contextlib.contextmanager
def decode_slot(state: ServiceState) -> Iterator[None]:
    """One of settings.max_concurrent_decodes slots, or 503 busy after decode_wait_seconds."""
    settings = state.settings
    if not state.decode_slots.acquire(timeout=settings.decode_wait_seconds):
        raise ApiError(
            503,
            ErrorCode.BUSY,
            f"{settings.max_concurrent_decodes} uploads are being decoded; retry later",
            headers={"Retry-After": str(settings.retry_after_seconds)},
        )
    try:
        yield
    finally:
        state.decode_slots.release()


def _admit(state: ServiceState, normalized: NormalizedImage, request_id: str) -> str:
    settings = state.settings
    job_id = uuid.uuid4().hex
    try:
        admitted = state.store.admit(
            job_id,
            normalized.facts,
            normalized.png,
            time.time(),
            deadline_seconds=settings.job_deadline_seconds,
            max_queued=settings.max_queued_jobs,
            request_id=request_id,
        )
    except RedisError as error:
        raise redis_unavailable() from error
    if not admitted:
        raise ApiError(
            429,
            ErrorCode.QUEUE_FULL,
            f"{settings.max_queued_jobs} jobs are queued; retry later",
            headers={"Retry-After": str(settings.retry_after_seconds)},
        )
    return job_id


def submit_job(state: ServiceState, upload: bytes, request_id: str) -> JobRecord:
    """Create and enqueue a job for `upload`; ApiError for bad input, a full queue or no Redis."""
    with decode_slot(state):
        normalized = normalize_image(upload, state.decode_budget)
    job_id = _admit(state, normalized, request_id)
    try:
        enqueue_recovery(state.producer, job_id, state.settings.queue_name)
    except Exception as error:  # kombu raises several unrelated types when the broker is down
        with contextlib.suppress(RedisError):
            state.store.fail(
                job_id, JobErrorCode.INTERNAL_ERROR, ENQUEUE_FAILED_MESSAGE, time.time()
            )
        raise redis_unavailable() from error
    state.metrics.jobs_submitted.inc()
    record = state.store.get(job_id)
    if record is None:
        raise redis_unavailable()
    return record
