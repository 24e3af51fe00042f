"""Job callbacks: once a job with a `callback_url` has finished, POST its summary there, signed
with the submitting key's webhook secret (dfrec_contract.webhooks), and retry with backoff.

Each attempt is its own `dfrec.webhook` task (job id, attempt number, time of the first
attempt), scheduled with a countdown on the worker's queue; every attempt is appended to the
job (`GET /jobs/{id}` -> `webhook.attempts`). An attempt succeeds on any 2xx; redirects are not
followed. It is retried (`webhook_delay_seconds`: exponential, capped) until
`webhook_max_attempts` or `webhook_give_up_after_seconds`, then the last attempt says
`gave_up`. A URL the checks refuse (in production: not https, or resolving to a private,
loopback or link-local address, checked again before each attempt) gives up at once.
Delivery is at least once: a receiver drops repeats by the job id (`Dfrec-Delivery` names the
attempt).
"""

import json
import logging
import time
from typing import TYPE_CHECKING, Any

import httpx
from redis import Redis

from dfrec_contract.apikeys import KeyStore
from dfrec_contract.broker import WEBHOOK_TASK_NAME
from dfrec_contract.jobstore import JobStore
from dfrec_contract.record import JobRecord
from dfrec_contract.webhooks import (
    EVENT_HEADER,
    EVENT_JOB_FINISHED,
    SIGNATURE_HEADER,
    CallbackUrlError,
    check_callback_url,
    signature_header,
)
from worker.config import WorkerSettings

if TYPE_CHECKING:
    from worker.context import WorkerContext

logger = logging.getLogger(__name__)

DELIVERED = "delivered"
RETRYING = "retrying"
GAVE_UP = "gave_up"
USER_AGENT = "dfrec-webhook/1"
ERROR_TEXT_LIMIT = 200


def schedule_first_delivery(store: JobStore, settings: WorkerSettings, job_id: str) -> bool:
    """Queue the job's first callback attempt if it has finished, has a callback URL and none
    was queued yet (a redelivered task finds the marker). True when it queued one."""
    record = store.get(job_id)
    if record is None or not record.status.is_terminal or not record.callback_url:
        return False
    marker = f"{settings.redis_key_prefix}webhook-scheduled:{job_id}"
    if not store.redis.set(marker, "1", nx=True, ex=settings.job_ttl_seconds):
        return False
    _send(settings, job_id, 1, time.time(), countdown=0)
    return True


def _send(
    settings: WorkerSettings, job_id: str, attempt: int, first_at: float, countdown: float
) -> None:
    from worker.app import app  # worker.app -> worker.context -> this module

    app.send_task(
        WEBHOOK_TASK_NAME,
        args=[job_id, attempt, first_at],
        queue=settings.queue_name,
        countdown=countdown,
    )


def job_summary(record: JobRecord) -> dict[str, Any]:
    """The callback's body: what a platform needs to act without polling."""
    result = record.result
    links = {"self": f"/v1/jobs/{record.id}"}
    if result is not None:
        links["evidence"] = f"/v1/jobs/{record.id}/evidence"
    return {
        "event": EVENT_JOB_FINISHED,
        "id": record.id,
        "status": record.status.value,
        "created_at": record.created_at,
        "finished_at": record.finished_at,
        "request_id": record.request_id,
        "input_sha256": record.input.sha256,
        "fake_probability": result.fake_probability if result else None,
        "reason": result.reason.value if result and result.reason else None,
        "faces_detected": result.faces_detected if result else None,
        "model_version_label": result.model.version_label if result else None,
        "error": {"code": record.error.code, "message": record.error.message}
        if record.error
        else None,
        "links": links,
    }


def _webhook_secret(redis: Redis, prefix: str, api_key_id: str) -> str:
    return KeyStore(redis, prefix).find(api_key_id).webhook_secret


def _post(
    context: "WorkerContext", record: JobRecord, attempt: int
) -> tuple[int | None, str | None]:
    """(HTTP status or None, error or None) of one POST."""
    settings = context.settings
    check_callback_url(record.callback_url, production=settings.env == "production")
    secret = _webhook_secret(context.store.redis, settings.redis_key_prefix, record.api_key_id)
    body = json.dumps(job_summary(record), sort_keys=True, separators=(",", ":")).encode()
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        SIGNATURE_HEADER: signature_header(secret, body, int(time.time())),
        EVENT_HEADER: EVENT_JOB_FINISHED,
        "Dfrec-Delivery": f"{record.id}-{attempt}",
    }
    try:
        response = httpx.post(
            record.callback_url,
            content=body,
            headers=headers,
            timeout=settings.webhook_timeout_seconds,
            follow_redirects=False,
        )
    except httpx.HTTPError as error:
        return None, f"no answer ({type(error).__name__})"
    if response.is_success:
        return response.status_code, None
    return response.status_code, f"HTTP {response.status_code}"


def deliver(context: "WorkerContext", job_id: str, attempt: int, first_at: float) -> None:
    """One attempt: POST, record it on the job, queue the next one if it failed and time and
    attempts are left."""
    settings = context.settings
    record = context.store.get(job_id)
    if record is None or not record.callback_url:
        logger.info("job %s: no record or no callback left; dropping the delivery", job_id)
        return
    started = time.time()
    final = False
    try:
        status_code, error = _post(context, record, attempt)
    except CallbackUrlError as refused:
        status_code, error, final = None, f"refused: {refused}", True
    except KeyError:
        status_code, error, final = None, "the submitting API key no longer exists", True
    delay = settings.webhook_delay_seconds(attempt)
    out_of_time = time.time() + delay - first_at > settings.webhook_give_up_after_seconds
    if error is None:
        outcome = DELIVERED
    elif final or attempt >= settings.webhook_max_attempts or out_of_time:
        outcome = GAVE_UP
    else:
        outcome = RETRYING
    context.store.record_webhook_attempt(
        job_id,
        {
            "attempt": attempt,
            "at": started,
            "status_code": status_code,
            "error": error[:ERROR_TEXT_LIMIT] if error else None,
            "duration_ms": round((time.time() - started) * 1000, 3),
            "outcome": outcome,
        },
    )
    context.metrics.webhook_attempts.labels(outcome=outcome).inc()
    if outcome == RETRYING:
        _send(settings, job_id, attempt + 1, first_at, countdown=delay)
