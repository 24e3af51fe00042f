"""One video job from start to finish, read as the photo's (worker.pipeline): claim ->
preprocess (open the stored video) -> infer (sampled frames decoded one at a time, faces found
with the photo's face stage, linked into tracks, sent to Triton in batches; progress stored as
frames are done) -> postprocess (per-track reports, best faces, contact sheet, signed evidence)
-> store. The stored video is deleted once the job has ended.

A video without a processable face ends `not_applicable`. Safe to run again (a redelivered
message): sampling, tracking, batching and the outputs are deterministic, so a rerun writes
the same artifact bytes and only the first `finish` counts.
"""

import functools
import time
from dataclasses import dataclass, field

from dfrec_contract.record import JobRecord
from dfrec_contract.result import EVIDENCE_ARTIFACT, JobResult
from dfrec_contract.status import JobStage
from dfrec_contract.video import VideoSummary
from dfrec_contract.video_storage import VideoStorage
from worker.context import WorkerContext
from worker.context_images import feather_pixels
from worker.ensemble import EnsembleInfo
from worker.errors import InputExpired, JobFailure
from worker.evidence import signed_evidence
from worker.faces import find_faces
from worker.pipeline import StageClock, claim, fail_job, infer_faces, milliseconds, queue_wait
from worker.tracker import IouTracker
from worker.video_evidence import video_evidence_manifest
from worker.video_faces import VideoFaces
from worker.video_frames import FrameSampler, planned_samples
from worker.video_results import VideoOutcome, video_outcome


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


PARTS = ("decode", "detect", "infer_faces")
"""Named apart from the stages: the `infer` stage holds all three; infer_faces is tracking,
face quality, the Triton calls and the best faces' PNGs."""


def _track_faces(
    context: WorkerContext, record: JobRecord, sampler: FrameSampler, info: EnsembleInfo
) -> tuple[VideoFaces, LoopTimes]:
    """Every sampled frame through the face stage and the tracker, faces to Triton in batches;
    progress stored after each frame."""
    settings = context.settings
    faces = VideoFaces(
        functools.partial(infer_faces, context),
        settings.video_batch_size,
        info.max_batch_size,
        IouTracker(settings.video_track_min_iou, settings.video_track_max_gap),
    )
    total = planned_samples(sampler.facts, settings.video_sample_fps)
    context.store.set_progress(record.id, 0, total)
    times = LoopTimes()
    done = 0
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
        done += 1
        context.store.set_progress(record.id, done, max(done, total))
    faces.flush()
    times.add("infer_faces", started)
    context.store.set_progress(record.id, done, done)
    return faces, times


def _summary(
    faces: VideoFaces, sampler: FrameSampler, outcome: VideoOutcome, context: WorkerContext
) -> VideoSummary:
    settings = context.settings
    return VideoSummary(
        frames_decoded=sampler.frames_decoded,
        frames_sampled=faces.samples,
        sample_fps=settings.video_sample_fps,
        faces_processed=faces.faces_processed,
        tracks_found=outcome.tracks_found,
        verdict_threshold=settings.video_verdict_threshold,
        inference_batches=faces.batches,
        decode_error=sampler.stopped_because,
    )


def _recover_video(context: WorkerContext, record: JobRecord) -> None:
    clock = StageClock(context, record.id)
    settings = context.settings
    facts = record.input.video
    with clock.stage(JobStage.PREPROCESS):
        stored_as = context.store.load_upload(record.id)
        path = VideoStorage(settings.video_storage_dir).path(facts.stored_as)
        if stored_as is None or not path.is_file():
            raise InputExpired("the uploaded video expired before a worker picked the job up")
        info = context.ensemble.info()
        sampler = FrameSampler(path, facts, settings.video_sample_fps)
    with clock.stage(JobStage.INFER):
        faces, loop_times = _track_faces(context, record, sampler, info)
    with clock.stage(JobStage.POSTPROCESS):
        feather = feather_pixels(info.image_size, settings.paste_feather_fraction)
        outcome = video_outcome(faces, settings, facts.duration_seconds)
        summary = _summary(faces, sampler, outcome, context)
        so_far = {"queue_wait": milliseconds(queue_wait(record)), **clock.timings_ms}
        manifest = video_evidence_manifest(
            record, settings, info, outcome, summary, feather, so_far | loop_times.as_ms()
        )
        evidence = signed_evidence(manifest, settings)
    with clock.stage(JobStage.STORE):
        files = {name: artifact.data for name, artifact in outcome.artifacts.items()}
        context.store.save_artifacts(record.id, files | {EVIDENCE_ARTIFACT: evidence})
    finished_at = time.time()
    timings = {
        "queue_wait": milliseconds(queue_wait(record)),
        **clock.timings_ms,
        **loop_times.as_ms(),
        "total": milliseconds(finished_at - record.created_at),
    }
    result = JobResult(
        fake_probability=outcome.fake_probability,
        reason=outcome.reason,
        faces_detected=faces.faces_detected,
        faces=[],
        model=info.as_result(),
        image_size=info.image_size,
        artifacts={name: artifact.facts() for name, artifact in outcome.artifacts.items()},
        timings_ms=timings,
        tracks=outcome.tracks,
        video=summary,
    )
    if context.store.finish(record.id, outcome.status, finished_at, result=result):
        if outcome.reason:
            context.metrics.jobs_not_applicable.labels(reason=outcome.reason.value).inc()
        else:
            context.metrics.jobs_succeeded.inc()
        context.metrics.job_duration.observe(finished_at - record.created_at)


def run_video_job(job_id: str, context: WorkerContext) -> None:
    """Run one video job. Raises TritonUnavailable (the task retries, the video is kept);
    ends the job and deletes its video otherwise."""
    record = claim(context, job_id)
    if record is None:
        return
    try:
        _recover_video(context, record)
    except JobFailure as failure:
        fail_job(context, job_id, failure.code, str(failure))
    VideoStorage(context.settings.video_storage_dir).delete_job(job_id)
