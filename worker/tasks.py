"""The Celery tasks: a job id in, the work in worker.pipeline (a photo) or
worker.video_pipeline (a video), retries declared here."""

import logging
from collections.abc import Callable

from celery import Task

from dfrec_contract.broker import (
    RECOVER_TASK_NAME,
    VIDEO_CHUNK_TASK_NAME,
    VIDEO_MERGE_TASK_NAME,
    VIDEO_TASK_NAME,
    WEBHOOK_TASK_NAME,
)
from dfrec_contract.errors import JobErrorCode
from dfrec_contract.status import JobStage
from worker.app import app
from worker.context import WorkerContext, current_context
from worker.errors import TritonUnavailable
from worker.pipeline import fail_job, run_job
from worker.video_pipeline import run_video_chunk, run_video_job, run_video_merge
from worker.webhooks import deliver, schedule_first_delivery

logger = logging.getLogger(__name__)
INTERNAL_ERROR_MESSAGE = "an unexpected worker error; it was logged with the job id"


class RecoverTask(Task):
    """Retries while Triton is unreachable (backoff and cap from WorkerSettings); any other
    escaping error fails the job with `internal_error`, so no job is left running."""

    acks_late = True
    reject_on_worker_lost = True
    ignore_result = True

    def on_failure(self, exc, task_id, args, kwargs, einfo) -> None:
        logger.error("job %s: unexpected error %r", args[0], exc)
        context = current_context()
        fail_job(context, args[0], JobErrorCode.INTERNAL_ERROR, INTERNAL_ERROR_MESSAGE)
        schedule_first_delivery(context.store, context.settings, args[0])


def _run_with_retries(
    task: RecoverTask, job_id: str, run: Callable[[str, WorkerContext], None]
) -> None:
    """run(job_id, context), retried while Triton is unreachable; then the job's callback if
    it has ended (worker.webhooks sends it once)."""
    context = current_context()
    settings = context.settings
    try:
        run(job_id, context)
    except TritonUnavailable as error:
        retries = task.request.retries
        if retries >= settings.triton_max_retries:
            fail_job(context, job_id, error.code, f"{error} (after {retries} retries)")
            schedule_first_delivery(context.store, settings, job_id)
            return
        context.store.set_stage(job_id, JobStage.RETRY_WAIT)
        context.metrics.triton_retries.inc()
        countdown = settings.retry_delay_seconds(retries)
        raise task.retry(
            exc=error, countdown=countdown, max_retries=settings.triton_max_retries
        ) from error
    schedule_first_delivery(context.store, settings, job_id)


@app.task(name=RECOVER_TASK_NAME, base=RecoverTask, bind=True)
def recover(self: RecoverTask, job_id: str) -> None:
    _run_with_retries(self, job_id, run_job)


def _enqueue(name: str, args: list) -> None:
    """Send a worker task (a video's chunks, its merge) to the jobs' queue."""
    app.send_task(name, args=args, queue=current_context().settings.queue_name)


@app.task(name=VIDEO_TASK_NAME, base=RecoverTask, bind=True)
def recover_video(self: RecoverTask, job_id: str) -> None:
    worker = self.request.hostname or ""
    _run_with_retries(
        self, job_id, lambda job_id, context: run_video_job(job_id, context, _enqueue, worker)
    )


@app.task(name=VIDEO_CHUNK_TASK_NAME, base=RecoverTask, bind=True)
def recover_video_chunk(self: RecoverTask, job_id: str, index: int) -> None:
    """One chunk of a long video (worker.video_pipeline); its failure fails the job."""
    worker = self.request.hostname or ""

    def run(job_id: str, context: WorkerContext) -> None:
        run_video_chunk(job_id, index, context, _enqueue, worker)

    _run_with_retries(self, job_id, run)


@app.task(name=VIDEO_MERGE_TASK_NAME, base=RecoverTask, bind=True)
def merge_video(self: RecoverTask, job_id: str) -> None:
    _run_with_retries(self, job_id, run_video_merge)


@app.task(name=WEBHOOK_TASK_NAME, acks_late=True, ignore_result=True)
def deliver_webhook(job_id: str, attempt: int, first_at: float) -> None:
    """One callback attempt of a finished job (worker.webhooks: retries, backoff, records)."""
    deliver(current_context(), job_id, attempt, first_at)
