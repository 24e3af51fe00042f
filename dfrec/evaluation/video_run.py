"""One video file through the worker's own per-video logic, with the model in-process.

Sampling (worker.video_frames), the photo's face stage (worker.faces), the tracker and
per-track faces (worker.tracker, worker.video_faces), and the tracks, verdict rule and best
faces (worker.video_results, worker.video_tracks) are the worker's code, called as
worker.video_pipeline calls them for a one-chunk job; only the Triton call is replaced by the
shipped checkpoint run in-process (dfrec.pipeline.Recoverer, as the photo evaluation runs it).
The worker's LRE probability is left out (the verdict uses DFREC's probability only).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import av

from dfrec.pipeline import Recoverer, recover
from dfrec_contract.video import VideoFacts
from worker.config import WorkerSettings
from worker.ensemble import EnsembleOutputs
from worker.faces import PhotoFace, find_faces, model_input
from worker.tracker import IouTracker
from worker.video_faces import VideoFaces
from worker.video_frames import FrameSampler
from worker.video_results import VideoOutcome, video_outcome
from worker.video_tracks import FaceObservation

EVALUATION_WORKER = "evaluation"


def probe(path: Path) -> tuple[VideoFacts, int]:
    """The container's claims as the API records them, and the first frame's pixel count."""
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        if stream.duration is not None and stream.time_base is not None:
            duration = float(stream.duration * stream.time_base)
        else:
            duration = (container.duration or 0) / av.time_base
        facts = VideoFacts(
            container=container.format.name,
            codec=stream.codec_context.name,
            duration_seconds=duration,
            frame_rate=float(stream.average_rate or 0.0),
            declared_frames=int(stream.frames),
            rotation=0,
            stored_as=path.name,
        )
        return facts, stream.codec_context.width * stream.codec_context.height


def in_process_infer(
    recoverer: Recoverer,
) -> Callable[[list[PhotoFace]], EnsembleOutputs | None]:
    """worker.pipeline.infer_faces' contract, answered by the checkpoint on the CPU."""

    def infer(faces: list[PhotoFace]) -> EnsembleOutputs | None:
        if not faces:
            return None
        recovery = recover(recoverer, model_input(faces))
        return EnsembleOutputs(
            mask=recovery.mask.numpy(),
            fake_probability=recovery.fake_probability.numpy()[:, None],
            source=recovery.source_face.numpy(),
            target=recovery.target_face.numpy(),
        )

    return infer


@dataclass(frozen=True)
class VideoRun:
    """What the worker would answer for one video, and the faces behind it."""

    facts: VideoFacts
    outcome: VideoOutcome
    observations: list[FaceObservation]
    samples: int


def run_video(
    path: Path, settings: WorkerSettings, recoverer: Recoverer, image_size: int
) -> VideoRun:
    """The video as a one-chunk job of the worker (worker.video_pipeline._process_chunk and
    _finish without Redis, Triton, the preview or the evidence)."""
    facts, pixels = probe(path)
    sampler = FrameSampler(path, facts, settings.video_sample_fps, pixels)
    batch = settings.video_batch_size
    faces = VideoFaces(
        in_process_infer(recoverer),
        batch,
        batch,
        IouTracker(settings.video_track_min_iou, settings.video_track_max_gap),
    )
    for frame in sampler:
        search = find_faces(
            frame.rgb,
            image_size,
            settings.max_faces,
            settings.min_face_size,
            settings.detection_budget,
        )
        faces.add(frame, search)
    faces.flush()
    chunk = faces.chunk_result(0, EVALUATION_WORKER, (0, None), sampler, {})
    outcome = video_outcome([chunk], settings, facts.duration_seconds)
    return VideoRun(facts, outcome, faces.observations, faces.samples)
