"""One video job from start to finish, read as the photo's (worker.pipeline): claim ->
preprocess (the stored video, the chunk plan) -> infer (sampled frames decoded one at a time,
faces found with the photo's face stage, sent to Triton in batches; progress stored frame by
frame) -> postprocess (tracks linked, per-track reports, best faces, contact sheet, signed
evidence) -> store. The stored video is deleted once the job has ended.

A video longer than DFREC_VIDEO_CHUNK_SECONDS is cut into chunks (worker.video_chunks): the
job's task sends one task per chunk, any worker runs each (`run_video_chunk`), and the task
that stores the last chunk result sends the merge (`run_video_merge`), which does postprocess
and store. Every task is safe to run again (a redelivered message: a killed worker loses no
chunk): sampling and outputs are deterministic and only the first `finish` counts.

A video without a processable face ends `not_applicable`.
"""

import dataclasses
import functools
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from dfrec_contract.broker import VIDEO_CHUNK_TASK_NAME, VIDEO_MERGE_TASK_NAME
from dfrec_contract.record import JobRecord
from dfrec_contract.result import JobResult
from dfrec_contract.status import JobStage
from dfrec_contract.video import ChunkReport, VideoFacts, VideoSummary
from dfrec_contract.video_storage import VideoStorage
from worker.context import WorkerContext
from worker.context_images import feather_pixels
from worker.ensemble import EnsembleInfo
from worker.errors import InputExpired, JobFailure
from worker.evidence import signed_evidence
from worker.faces import find_faces
from worker.pipeline import (
    StageClock,
    claim,
    fail_job,
    finish_job,
    infer_faces,
    milliseconds,
    queue_wait,
    store_outputs,
)
from worker.tracker import IouTracker
from worker.video_chunks import Buckets, ChunkResult, ChunkStore, chunk_plan
from worker.video_evidence import video_evidence_manifest
from worker.video_faces import VideoFaces
from worker.video_frames import FrameSampler, planned_samples
from worker.video_preview import PREVIEW, preview_video
from worker.video_results import VideoOutcome, video_outcome

logger = logging.getLogger(__name__)

Enqueue = Callable[[str, list], None]
"""Sends a worker task by name with its arguments (worker.tasks)."""

PARTS = ("decode", "detect", "infer_faces")
"""Named apart from the stages: the `infer` stage holds all three; infer_faces is tracking,
face quality, the Triton calls and the best faces' PNGs. Summed over chunks."""


@dataclass
class LoopTimes:
    """Seconds spent in each part of the interleaved decode / detect / infer loop."""

    seconds: dict[str, float] = field(default_factory=lambda: dict.fromkeys(PARTS, 0.0))

    def add(self, part: str, since: float) -> float:
        now = time.perf_counter()
        self.seconds[part] += now - since
        return now

    def as_ms(self) -> dict[str, float]:
        return {part: milliseconds(value) for part, value in self.seconds.items()}


def _video(record: JobRecord) -> VideoFacts:
    if record.input.video is None:
        raise JobFailure("the job's upload is not a video")
    return record.input.video


def _plan(context: WorkerContext, record: JobRecord) -> list[Buckets]:
    settings = context.settings
    return chunk_plan(_video(record), settings.video_sample_fps, settings.video_chunk_seconds)


def _chunks(context: WorkerContext) -> ChunkStore:
    store = context.store
    return ChunkStore(store.redis, store.keys.prefix, store.job_ttl_seconds)


def _storage(context: WorkerContext) -> VideoStorage:
    return VideoStorage(context.settings.video_storage_dir)


def _check_input(context: WorkerContext, record: JobRecord) -> None:
    path = _storage(context).path(_video(record).stored_as)
    if context.store.load_upload(record.id) is None or not path.is_file():
        raise InputExpired("the uploaded video expired before a worker picked the job up")


def _process_chunk(
    context: WorkerContext,
    record: JobRecord,
    info: EnsembleInfo,
    index: int,
    buckets: Buckets,
    worker: str,
) -> ChunkResult:
    """Every sampled frame of the chunk through the face stage, faces to Triton in batches;
    progress advanced after each frame."""
    settings = context.settings
    facts = _video(record)
    path = _storage(context).path(facts.stored_as)
    pixels = record.input.width * record.input.height
    sampler = FrameSampler(path, facts, settings.video_sample_fps, pixels, buckets)
    faces = VideoFaces(
        functools.partial(infer_faces, context),
        settings.video_batch_size,
        info.max_batch_size,
        IouTracker(settings.video_track_min_iou, settings.video_track_max_gap),
    )
    times = LoopTimes()
    started = time.perf_counter()
    for frame in sampler:
        started = times.add("decode", started)
        search = find_faces(
            frame.rgb,
            info.image_size,
            settings.max_faces,
            settings.min_face_size,
            settings.detection_budget,
        )
        started = times.add("detect", started)
        faces.add(frame, search)
        started = times.add("infer_faces", started)
        context.store.advance_progress(record.id)
    faces.flush()
    times.add("infer_faces", started)
    return faces.chunk_result(index, worker, buckets, sampler, times.as_ms())


def _summary(
    context: WorkerContext, chunks: list[ChunkResult], outcome: VideoOutcome
) -> VideoSummary:
    settings = context.settings
    interval = 1.0 / settings.video_sample_fps
    return VideoSummary(
        frames_decoded=max(chunk.frames_decoded for chunk in chunks),
        frames_sampled=sum(chunk.samples for chunk in chunks),
        sample_fps=settings.video_sample_fps,
        faces_processed=sum(len(chunk.observations) for chunk in chunks),
        tracks_found=outcome.tracks_found,
        verdict_threshold=settings.video_verdict_threshold,
        inference_batches=[size for chunk in chunks for size in chunk.batches],
        decode_error=next((c.stopped_because for c in chunks if c.stopped_because), None),
        chunks=[
            ChunkReport(
                index=chunk.index,
                first_seconds=round(chunk.buckets[0] * interval, 6),
                end_seconds=None
                if chunk.buckets[1] is None
                else round(chunk.buckets[1] * interval, 6),
                worker=chunk.worker,
                frames_sampled=chunk.samples,
                faces_processed=len(chunk.observations),
            )
            for chunk in chunks
        ],
    )


def _with_preview(context: WorkerContext, record: JobRecord, outcome: VideoOutcome) -> VideoOutcome:
    """The outcome plus the annotated preview MP4 (worker.video_preview) when it has tracks."""
    if not outcome.tracks:
        return outcome
    settings = context.settings
    facts = _video(record)
    preview = preview_video(
        _storage(context).path(facts.stored_as),
        facts,
        record.input.width * record.input.height,
        settings.video_sample_fps,
        outcome.tracks,
        settings.video_verdict_threshold,
    )
    return dataclasses.replace(outcome, artifacts=outcome.artifacts | {PREVIEW: preview})


def _finish(
    context: WorkerContext,
    record: JobRecord,
    info: EnsembleInfo,
    chunks: list[ChunkResult],
    clock: StageClock,
) -> None:
    """Postprocess and store the job's result from its chunks' results."""
    settings = context.settings
    loop_ms = {part: round(sum(c.times_ms[part] for c in chunks), 3) for part in PARTS}
    with clock.stage(JobStage.POSTPROCESS):
        feather = feather_pixels(info.image_size, settings.paste_feather_fraction)
        outcome = _with_preview(
            context, record, video_outcome(chunks, settings, _video(record).duration_seconds)
        )
        summary = _summary(context, chunks, outcome)
        so_far = {"queue_wait": milliseconds(queue_wait(record)), **clock.timings_ms}
        manifest = video_evidence_manifest(
            record, settings, info, outcome, summary, feather, so_far | loop_ms
        )
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
        **loop_ms,
        "total": milliseconds(finished_at - record.created_at),
    }
    result = JobResult(
        fake_probability=outcome.fake_probability,
        reason=outcome.reason,
        faces_detected=sum(chunk.faces_detected for chunk in chunks),
        faces=[],
        model=info.as_result(),
        image_size=info.image_size,
        artifacts={name: artifact.facts() for name, artifact in outcome.artifacts.items()},
        timings_ms=timings,
        tracks=outcome.tracks,
        video=summary,
    )
    context.store.set_progress(record.id, summary.frames_sampled, summary.frames_sampled)
    finish_job(context, record, outcome.status, outcome.reason, finished_at, result)


def _recover_video(
    context: WorkerContext, record: JobRecord, enqueue: Enqueue, worker: str
) -> bool:
    """Run the job in this task, or send its chunks; True when the job has ended here."""
    clock = StageClock(context, record.id)
    with clock.stage(JobStage.PREPROCESS):
        _check_input(context, record)
        info = context.ensemble.info()
        plan = _plan(context, record)
        total = planned_samples(_video(record), context.settings.video_sample_fps)
        context.store.set_progress(record.id, 0, total)
    if len(plan) > 1:
        context.store.set_stage(record.id, JobStage.INFER)
        for index in range(len(plan)):
            enqueue(VIDEO_CHUNK_TASK_NAME, [record.id, index])
        return False
    with clock.stage(JobStage.INFER):
        chunk = _process_chunk(context, record, info, 0, plan[0], worker)
    _finish(context, record, info, [chunk], clock)
    return True


def _end_failed(context: WorkerContext, job_id: str, failure: JobFailure) -> None:
    fail_job(context, job_id, failure.code, str(failure))
    _storage(context).delete_job(job_id)


def run_video_job(job_id: str, context: WorkerContext, enqueue: Enqueue, worker: str) -> None:
    """Run one video job (or send its chunks). Raises TritonUnavailable (the task retries, the
    video is kept); ends the job and deletes its video otherwise."""
    record = claim(context, job_id)
    if record is None:
        return
    try:
        if _recover_video(context, record, enqueue, worker):
            _storage(context).delete_job(job_id)
    except JobFailure as failure:
        _end_failed(context, job_id, failure)


def run_video_chunk(
    job_id: str, index: int, context: WorkerContext, enqueue: Enqueue, worker: str
) -> None:
    """Process one chunk and store its result; the task that stores the last one sends the
    merge. Raises TritonUnavailable (the task retries)."""
    record = context.store.get(job_id)
    if record is None or record.status.is_terminal:
        return
    try:
        _check_input(context, record)
        plan = _plan(context, record)
        info = context.ensemble.info()
        with StageClock(context, job_id).stage(JobStage.INFER):
            result = _process_chunk(context, record, info, index, plan[index], worker)
    except JobFailure as failure:
        _end_failed(context, job_id, failure)
        return
    if _chunks(context).save(job_id, result) == len(plan):
        enqueue(VIDEO_MERGE_TASK_NAME, [job_id])


def run_video_merge(job_id: str, context: WorkerContext) -> None:
    """Merge the stored chunk results into the job's result, end the job, delete its video."""
    record = context.store.get(job_id)
    if record is None or record.status.is_terminal:
        return
    chunks = _chunks(context).load(job_id, len(_plan(context, record)))
    if chunks is None:
        logger.warning("job %s: a chunk result is missing; the merge waits for it", job_id)
        return
    try:
        _finish(context, record, context.ensemble.info(), chunks, StageClock(context, job_id))
    except JobFailure as failure:
        _end_failed(context, job_id, failure)
        return
    _storage(context).delete_job(job_id)
