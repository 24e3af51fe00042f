"""A video job's answer from its chunks' faces: tracks linked again over every face in sample
order (worker.tracker, so chunks link as one pass would), one report per track
(worker.video_tracks), the best face's images per track and the contact sheet
(worker.video_sheet).

Artifact names (each served as `<name>.png`): track{i}_crop, track{i}_mask, track{i}_source,
track{i}_target, track{i}_heatmap (with LRE), contact_sheet; the pipeline adds `preview`
(`preview.mp4`, worker.video_preview). Tracks are numbered by frames
seen (most first), then by their first face. A track's best face is the highest-quality face
among those whose images a chunk kept (each chunk's tracks' best faces).
"""

import itertools
from dataclasses import dataclass

from dfrec_contract.status import JobStatus, NotApplicableReason
from dfrec_contract.video import TrackReport
from worker.config import WorkerSettings
from worker.postprocess import Artifact
from worker.tracker import IouTracker
from worker.video_chunks import ChunkResult
from worker.video_sheet import contact_sheet
from worker.video_tracks import FaceObservation, track_report

CONTACT_SHEET = "contact_sheet"


def track_artifact(track: int, kind: str) -> str:
    return f"track{track}_{kind}"


@dataclass(frozen=True)
class VideoOutcome:
    status: JobStatus
    reason: NotApplicableReason | None
    fake_probability: float | None
    """The most suspicious track's score."""
    tracks: list[TrackReport]
    tracks_found: int
    artifacts: dict[str, Artifact]


def link_tracks(
    faces: list[FaceObservation], tracker: IouTracker
) -> dict[int, list[FaceObservation]]:
    """Track id -> its faces in frame order, linking the faces sample by sample."""
    tracks: dict[int, list[FaceObservation]] = {}
    ordered = sorted(faces, key=lambda face: (face.sample, face.position))
    for sample, group in itertools.groupby(ordered, key=lambda face: face.sample):
        members = list(group)
        for face, track in zip(
            members, tracker.update(sample, [face.box for face in members]), strict=True
        ):
            tracks.setdefault(track, []).append(face)
    return tracks


def video_outcome(
    chunks: list[ChunkResult], settings: WorkerSettings, duration_seconds: float
) -> VideoOutcome:
    faces = [face for chunk in chunks for face in chunk.observations]
    if not faces:
        too_small = any(chunk.faces_too_small for chunk in chunks)
        reason = NotApplicableReason.FACE_TOO_SMALL if too_small else NotApplicableReason.NO_FACE
        return VideoOutcome(JobStatus.NOT_APPLICABLE, reason, None, [], 0, {})
    kept = {key: kinds for chunk in chunks for key, kinds in chunk.images.items()}
    tracker = IouTracker(settings.video_track_min_iou, settings.video_track_max_gap)
    tracks = link_tracks(faces, tracker)
    order = sorted(tracks, key=lambda track: (-len(tracks[track]), track))
    reports: list[TrackReport] = []
    artifacts: dict[str, Artifact] = {}
    images: dict[int, dict[str, Artifact]] = {}
    for number, track in enumerate(order[: settings.video_max_tracks]):
        members = tracks[track]
        with_images = [face for face in members if face.key in kept] or members
        best = max(with_images, key=lambda face: (face.quality, -face.frame))
        best_images = kept.get(best.key, {})
        names = {kind: track_artifact(number, kind) for kind in best_images}
        reports.append(
            track_report(
                number,
                members,
                best.frame,
                names,
                window=settings.video_smoothing_window,
                threshold=settings.video_verdict_threshold,
                suspicious=settings.video_suspicious_frames,
            )
        )
        artifacts |= {names[kind]: image for kind, image in best_images.items()}
        images[number] = best_images
    artifacts[CONTACT_SHEET] = contact_sheet(
        reports, images, duration_seconds, settings.video_verdict_threshold
    )
    return VideoOutcome(
        JobStatus.SUCCEEDED,
        None,
        max(report.fake_probability for report in reports),
        reports,
        len(tracks),
        artifacts,
    )
