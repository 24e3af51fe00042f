"""One job from start to finish: preprocess -> infer -> postprocess -> store.

Safe to run again for the same job (a redelivered message): a finished job is left alone, and
the outputs are deterministic, so a rerun after a crash rewrites the same artifact bytes and
only the first `finish` counts.
"""

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np

from dfrec.noise import batch_masking_noise
from service.contract import JobStage, JobStatus
from service.jobstore import JobError, JobRecord
from worker.context import WorkerContext
from worker.ensemble import EnsembleOutputs
from worker.errors import InputExpired, JobFailure
from worker.postprocess import Artifact, encode_png
from worker.preprocess import load_rgb, to_model_input

logger = logging.getLogger(__name__)

ARTIFACT_NAMES = ("mask", "source", "target")


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 3)


class StageClock:
    """Moves the job record from stage to stage and times each one."""

    def __init__(self, context: WorkerContext, job_id: str) -> None:
        self.context = context
        self.job_id = job_id
        self.timings_ms: dict[str, float] = {}

    @contextmanager
    def stage(self, stage: JobStage) -> Iterator[None]:
        self.context.store.set_stage(self.job_id, stage)
        started = time.perf_counter()
        settings = self.context.settings
        if settings.test_stage_delay_seconds and stage == settings.test_delay_stage:
            time.sleep(settings.test_stage_delay_seconds)
        yield
        seconds = time.perf_counter() - started
        self.timings_ms[stage.value] = _ms(seconds)
        self.context.metrics.stage_duration.labels(stage=stage.value).observe(seconds)


def fail_job(context: WorkerContext, job_id: str, code: str, message: str) -> None:
    """End the job as failed (once) and count it."""
    if context.store.finish(job_id, JobStatus.FAILED, time.time(), error=JobError(code, message)):
        context.metrics.jobs_failed.labels(code=code).inc()


def _artifacts(outputs: EnsembleOutputs) -> dict[str, Artifact]:
    return {name: encode_png(getattr(outputs, name)[0]) for name in ARTIFACT_NAMES}


def _claim(context: WorkerContext, job_id: str) -> JobRecord | None:
    """The job, marked running, or None when there is nothing (left) to do."""
    record = context.store.get(job_id)
    if record is None:
        logger.warning("job %s: no record (expired or unknown); dropping the task", job_id)
        return None
    if record.status.is_terminal:
        logger.info("job %s: already %s; nothing to do", job_id, record.status.value)
        return None
    now = time.time()
    if context.store.fail_if_overdue(record, now):
        context.metrics.jobs_failed.labels(code="timeout").inc()
        return None
    if not context.store.start(job_id, JobStage.PREPROCESS, now):
        return None
    if record.started_at is None:
        context.metrics.queue_wait.observe(now - record.created_at)
    return context.store.get(job_id)


def _recover(context: WorkerContext, record: JobRecord) -> None:
    clock = StageClock(context, record.id)
    with clock.stage(JobStage.PREPROCESS):
        upload = context.store.load_upload(record.id)
        if upload is None:
            raise InputExpired("the uploaded image expired before a worker picked the job up")
        info = context.ensemble.info()
        images = to_model_input(load_rgb(upload), info.image_size)[np.newaxis]
    with clock.stage(JobStage.INFER):
        noise = batch_masking_noise(images, info.num_patches)
        outputs = context.ensemble.infer(images, noise)
    with clock.stage(JobStage.POSTPROCESS):
        artifacts = _artifacts(outputs)
    with clock.stage(JobStage.STORE):
        context.store.save_artifacts(record.id, {n: a.data for n, a in artifacts.items()})
    finished_at = time.time()
    result = {
        "fake_probability": float(outputs.fake_probability.reshape(-1)[0]),
        "model": info.as_result(),
        "image_size": info.image_size,
        "artifacts": {name: artifact.facts() for name, artifact in artifacts.items()},
        "timings_ms": {
            "queue_wait": _ms((record.started_at or record.created_at) - record.created_at),
            **clock.timings_ms,
            "total": _ms(finished_at - record.created_at),
        },
    }
    if context.store.finish(record.id, JobStatus.SUCCEEDED, finished_at, result=result):
        context.metrics.jobs_succeeded.inc()
        context.metrics.job_duration.observe(finished_at - record.created_at)


def run_job(job_id: str, context: WorkerContext) -> None:
    """Run one job. Raises TritonUnavailable (the task retries); ends the job otherwise."""
    record = _claim(context, job_id)
    if record is None:
        return
    try:
        _recover(context, record)
    except JobFailure as failure:
        fail_job(context, job_id, failure.code.value, str(failure))
