"""Accept one upload for one API key: check its callback URL, answer a retried
`Idempotency-Key` with its first job, take a token of the key's rate, decode the image within
its budget (or probe and store the video), admit it under the queue bound and the key's
active-job limit, queue it.
"""

import contextlib
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

from redis import RedisError

from dfrec_contract.apikeys import ApiKeyRecord
from dfrec_contract.broker import RECOVER_TASK_NAME, VIDEO_TASK_NAME
from dfrec_contract.errors import JobErrorCode
from dfrec_contract.jobstore import Admission
from dfrec_contract.record import InputFacts, JobRecord
from dfrec_contract.video_storage import VideoStorage
from dfrec_contract.webhooks import CallbackUrlError, check_callback_url
from service.errors import ApiError, ErrorCode
from service.idempotency import Claim, fingerprint, wait_for
from service.images import normalize_image
from service.limits import RateDecision
from service.media_sniff import looks_like_video
from service.producer import enqueue_recovery
from service.state import ServiceState
from service.upload import UploadForm
from service.videos import store_video

CLAIM_ATTEMPTS = 3

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


@dataclass(frozen=True)
class Submitted:
    record: JobRecord
    replayed: bool
    """True: an earlier request with the same Idempotency-Key created the job."""
    rate: RateDecision | None
    """The key's rate-limit state after this submit (None: replayed, or no rate limit)."""


@dataclass(frozen=True)
class PreparedUpload:
    facts: InputFacts
    stored: bytes
    """What Redis keeps: the normalized PNG, or the stored video's file name."""
    task_name: str
    job_id: str


def _prepare(state: ServiceState, job_id: str, data: bytes) -> PreparedUpload:
    """The image normalized, or the video probed and stored; ApiError when refused."""
    with decode_slot(state):
        if looks_like_video(data):
            facts = store_video(data, job_id, state.settings)
            return PreparedUpload(facts, facts.video.stored_as.encode(), VIDEO_TASK_NAME, job_id)
        normalized = normalize_image(data, state.decode_budget)
        return PreparedUpload(normalized.facts, normalized.png, RECOVER_TASK_NAME, job_id)


def _discard(state: ServiceState, prepared: PreparedUpload) -> None:
    """Delete the stored video of an upload that was not admitted."""
    if prepared.facts.video is not None:
        VideoStorage(state.settings.video_storage_dir).delete_job(prepared.job_id)


def _admit(
    state: ServiceState,
    key: ApiKeyRecord,
    job_id: str,
    prepared: PreparedUpload,
    callback_url: str,
    request_id: str,
    rate: RateDecision | None,
    galleries: tuple[str, ...],
) -> None:
    settings = state.settings
    try:
        admission = state.store.admit(
            job_id,
            prepared.facts,
            prepared.stored,
            time.time(),
            deadline_seconds=settings.job_deadline_seconds,
            max_queued=settings.max_queued_jobs,
            request_id=request_id,
            tenant=key.tenant,
            api_key_id=key.id,
            callback_url=callback_url,
            key_max_active=key.quota.max_active_jobs,
            galleries=galleries,
        )
    except RedisError as error:
        raise redis_unavailable() from error
    retry_after = {"Retry-After": str(settings.retry_after_seconds)}
    if admission is Admission.QUEUE_FULL:
        raise ApiError(
            429,
            ErrorCode.QUEUE_FULL,
            f"{settings.max_queued_jobs} jobs are queued; retry later",
            headers=retry_after,
        )
    if admission is Admission.KEY_LIMIT:
        raise ApiError(
            429,
            ErrorCode.RATE_LIMITED,
            f"API key {key.id} has {key.quota.max_active_jobs} unfinished jobs (its limit); "
            "retry when one has finished",
            headers={**(rate.headers() if rate else {}), **retry_after},
        )


def _callback_url(state: ServiceState, url: str) -> str:
    if not url:
        return ""
    try:
        return check_callback_url(url, production=state.settings.env == "production")
    except CallbackUrlError as error:
        raise ApiError(422, ErrorCode.INVALID_CALLBACK_URL, str(error)) from error


def _take_rate(state: ServiceState, key: ApiKeyRecord) -> RateDecision | None:
    try:
        rate = state.limiter.take(key)
    except RedisError as error:
        raise redis_unavailable() from error
    if rate is not None and not rate.allowed:
        quota = key.quota
        raise ApiError(
            429,
            ErrorCode.RATE_LIMITED,
            f"API key {key.id} may submit {quota.rate_per_minute:g} jobs a minute "
            f"(bursts of {quota.burst}); retry after {rate.retry_after_seconds} s",
            headers=rate.headers(),
        )
    return rate


def _create(
    state: ServiceState,
    key: ApiKeyRecord,
    form: UploadForm,
    callback_url: str,
    job_id: str,
    request_id: str,
    galleries: tuple[str, ...] = (),
) -> Submitted:
    if galleries and looks_like_video(form.image):
        raise ApiError(
            422,
            ErrorCode.INVALID_REQUEST,
            "galleries are searched in photo jobs only (a video's tracks are not searched yet); "
            "submit the video without galleries",
        )
    rate = _take_rate(state, key)
    prepared = _prepare(state, job_id, form.image)
    try:
        _admit(state, key, job_id, prepared, callback_url, request_id, rate, galleries)
    except BaseException:
        _discard(state, prepared)
        raise
    try:
        enqueue_recovery(state.producer, job_id, state.settings.queue_name, prepared.task_name)
    except Exception as error:  # kombu raises several unrelated types when the broker is down
        _discard(state, prepared)
        with contextlib.suppress(RedisError):
            state.store.fail(
                job_id, JobErrorCode.INTERNAL_ERROR, ENQUEUE_FAILED_MESSAGE, time.time()
            )
        raise redis_unavailable() from error
    state.metrics.jobs_submitted.inc()
    state.metrics.tenant_submitted.labels(tenant=key.tenant).inc()
    record = state.store.get(job_id)
    if record is None:
        raise redis_unavailable()
    return Submitted(record, replayed=False, rate=rate)


def _replayed_job(
    state: ServiceState, key: ApiKeyRecord, header: str, claim: Claim
) -> JobRecord | None:
    """The job of an earlier request with this key, once it exists; None when that request
    gave up its claim (then this one may claim the key)."""
    idempotency = state.idempotency

    def settled() -> bool:
        exists = state.store.redis.exists(state.store.keys.job(claim.job_id))
        return bool(exists) or not idempotency.still_claimed(key.tenant, header, claim)

    if not wait_for(settled, state.settings.idempotency_wait_seconds):
        raise ApiError(
            409,
            ErrorCode.IDEMPOTENCY_CONFLICT,
            "a request with this Idempotency-Key is still being processed; retry shortly",
            headers={"Retry-After": str(state.settings.retry_after_seconds)},
        )
    return state.store.get(claim.job_id)


def _submit_idempotent(
    state: ServiceState,
    key: ApiKeyRecord,
    form: UploadForm,
    callback_url: str,
    request_id: str,
    header: str,
    galleries: tuple[str, ...],
) -> Submitted:
    print_ = fingerprint(form.image, callback_url, galleries)
    for _ in range(CLAIM_ATTEMPTS):
        claim = state.idempotency.claim(key.tenant, header, print_, uuid.uuid4().hex)
        if claim is None:
            continue
        if claim.owner:
            try:
                return _create(state, key, form, callback_url, claim.job_id, request_id, galleries)
            except BaseException:
                with contextlib.suppress(RedisError):
                    state.idempotency.release(key.tenant, header, claim)
                raise
        record = _replayed_job(state, key, header, claim)
        if record is not None:
            return Submitted(record, replayed=True, rate=None)
    raise ApiError(
        409,
        ErrorCode.IDEMPOTENCY_CONFLICT,
        "requests with this Idempotency-Key keep failing; retry shortly",
        headers={"Retry-After": str(state.settings.retry_after_seconds)},
    )


def submit_job(
    state: ServiceState,
    key: ApiKeyRecord,
    form: UploadForm,
    request_id: str,
    idempotency_key: str | None = None,
    galleries: tuple[str, ...] = (),
) -> Submitted:
    """Create and enqueue a job for the upload, or find the one an earlier request with the
    same Idempotency-Key created; ApiError for bad input, a limit, a full queue or no Redis.
    Every refusal is counted for the key's tenant."""
    try:
        callback_url = _callback_url(state, form.callback_url)
        if idempotency_key is None:
            return _create(state, key, form, callback_url, uuid.uuid4().hex, request_id, galleries)
        try:
            return _submit_idempotent(
                state, key, form, callback_url, request_id, idempotency_key, galleries
            )
        except RedisError as error:
            raise redis_unavailable() from error
    except ApiError as error:
        state.metrics.tenant_rejected.labels(tenant=key.tenant, code=error.code.value).inc()
        raise
