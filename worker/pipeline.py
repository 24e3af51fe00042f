"""One job from start to finish: preprocess (find and align faces) -> infer (the batch of
faces) -> postprocess (PNGs, faces back in the photo, signed evidence) -> store.

A photo without a face, or whose faces are all too small, ends `not_applicable` (not an error).

Safe to run again for the same job (a redelivered message): a finished job is left alone, and
the outputs are deterministic, so a rerun after a crash rewrites the same artifact bytes and
only the first `finish` counts.
"""

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from enum import Enum

from dfrec.data.align import crop_landmarks_68
from dfrec_contract.errors import JobErrorCode
from dfrec_contract.galleries import FaceGalleryMatches
from dfrec_contract.noise import batch_masking_noise
from dfrec_contract.record import JobRecord
from dfrec_contract.result import EVIDENCE_ARTIFACT, JobResult
from dfrec_contract.status import JobStage, JobStatus
from worker.context import WorkerContext
from worker.context_images import feather_pixels
from worker.ensemble import EnsembleInfo, EnsembleOutputs
from worker.errors import InputExpired, JobFailure
from worker.evidence import evidence_manifest, signed_evidence
from worker.face_results import FaceOutcome, face_outcome
from worker.faces import FaceSearch, PhotoFace, find_faces, model_input
from worker.gallery_matches import face_matches
from worker.preprocess import load_rgb

logger = logging.getLogger(__name__)


def milliseconds(seconds: float) -> float:
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
        self.timings_ms[stage.value] = milliseconds(seconds)
        self.context.metrics.stage_duration.labels(stage=stage.value).observe(seconds)


def fail_job(context: WorkerContext, job_id: str, code: JobErrorCode, message: str) -> None:
    """End the job as failed (once; the store counts it)."""
    context.store.fail(job_id, code, message, time.time())


def claim(context: WorkerContext, job_id: str) -> JobRecord | None:
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
        return None
    if not context.store.start(job_id, JobStage.PREPROCESS, now):
        return None
    if record.started_at is None:
        context.metrics.queue_wait.observe(now - record.created_at)
    return context.store.get(job_id)


def infer_faces(context: WorkerContext, faces: list[PhotoFace]) -> EnsembleOutputs | None:
    if not faces:
        return None
    images = model_input(faces)
    info = context.ensemble.info()
    noise = batch_masking_noise(images, info.num_patches)
    landmarks = crop_landmarks_68(images) if info.takes_landmarks else None
    return context.ensemble.infer(images, noise, landmarks)


def store_outputs(
    context: WorkerContext, record: JobRecord, files: dict[str, bytes], evidence: bytes
) -> bool:
    """Store a finished attempt's artifacts and evidence; False (nothing written) when another
    attempt finished the job meanwhile: its outputs stand."""
    saved = context.store.save_artifacts(record.id, files | {EVIDENCE_ARTIFACT: evidence})
    if not saved:
        logger.info("job %s: finished by another attempt; this one's outputs dropped", record.id)
    return saved


def finish_job(
    context: WorkerContext,
    record: JobRecord,
    status: JobStatus,
    reason: Enum | None,
    finished_at: float,
    result: JobResult,
) -> None:
    """Finish the job with its result and count it, once (a job already finished stays so)."""
    if context.store.finish(record.id, status, finished_at, result=result):
        if reason:
            context.metrics.jobs_not_applicable.labels(reason=reason.value).inc()
        else:
            context.metrics.jobs_succeeded.inc()
        context.metrics.job_duration.observe(finished_at - record.created_at)


def _recover(context: WorkerContext, record: JobRecord) -> None:
    clock = StageClock(context, record.id)
    settings = context.settings
    with clock.stage(JobStage.PREPROCESS):
        upload = context.store.load_upload(record.id)
        if upload is None:
            raise InputExpired("the uploaded image expired before a worker picked the job up")
        info = context.ensemble.info()
        photo = load_rgb(upload)
        search = find_faces(
            photo,
            info.image_size,
            settings.max_faces,
            settings.min_face_size,
            settings.detection_budget,
        )
    with clock.stage(JobStage.INFER):
        outputs = infer_faces(context, search.processable())
    with clock.stage(JobStage.POSTPROCESS):
        feather = feather_pixels(info.image_size, settings.paste_feather_fraction)
        outcome = face_outcome(photo, search, outputs, feather)
        matches = face_matches(context.galleries, record, search.processable(), outputs)
        so_far = {"queue_wait": milliseconds(queue_wait(record)), **clock.timings_ms}
        manifest = evidence_manifest(record, settings, info, search, outcome, feather, so_far)
        evidence = signed_evidence(manifest, settings)
    with clock.stage(JobStage.STORE):
        files = {name: artifact.data for name, artifact in outcome.artifacts.items()}
        saved = store_outputs(context, record, files, evidence)
    if not saved:
        return
    finished_at = time.time()
    timings = {
        "queue_wait": milliseconds(queue_wait(record)),
        **clock.timings_ms,
        "total": milliseconds(finished_at - record.created_at),
    }
    result = _job_result(info, search, outcome, timings, matches)
    finish_job(context, record, outcome.status, outcome.reason, finished_at, result)


def _job_result(
    info: EnsembleInfo,
    search: FaceSearch,
    outcome: FaceOutcome,
    timings_ms: dict[str, float],
    gallery_matches: list[FaceGalleryMatches] | None,
) -> JobResult:
    """The job record's result, validated here: what GET /jobs/{id} reports (the API adds
    artifact URLs)."""
    return JobResult(
        fake_probability=outcome.fake_probability,
        reason=outcome.reason,
        faces_detected=search.detected_count,
        faces=outcome.faces,
        model=info.as_result(),
        image_size=info.image_size,
        artifacts={name: artifact.facts() for name, artifact in outcome.artifacts.items()},
        timings_ms=timings_ms,
        gallery_matches=gallery_matches,
    )


def queue_wait(record: JobRecord) -> float:
    return (record.started_at or record.created_at) - record.created_at


def run_job(job_id: str, context: WorkerContext) -> None:
    """Run one job. Raises TritonUnavailable (the task retries); ends the job otherwise."""
    record = claim(context, job_id)
    if record is None:
        return
    try:
        _recover(context, record)
    except JobFailure as failure:
        fail_job(context, job_id, failure.code, str(failure))
