"""A video job's answer from its tracked faces: one report per track (worker.video_tracks),
the best face's images per track, and the contact sheet (worker.video_sheet).

Artifact names (each served as `<name>.png`): track{i}_crop, track{i}_mask, track{i}_source,
track{i}_target, track{i}_heatmap (with LRE), contact_sheet. Tracks are numbered by frames
seen (most first), then by their first frame.
"""

from dataclasses import dataclass

from dfrec_contract.status import JobStatus, NotApplicableReason
from dfrec_contract.video import TrackReport
from worker.config import WorkerSettings
from worker.postprocess import Artifact
from worker.video_faces import VideoFaces
from worker.video_sheet import contact_sheet
from worker.video_tracks import track_report

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


def video_outcome(
    faces: VideoFaces, settings: WorkerSettings, duration_seconds: float
) -> VideoOutcome:
    observations = faces.observations
    if not observations:
        reason = (
            NotApplicableReason.FACE_TOO_SMALL
            if faces.faces_too_small
            else NotApplicableReason.NO_FACE
        )
        return VideoOutcome(JobStatus.NOT_APPLICABLE, reason, None, [], 0, {})
    order = sorted(observations, key=lambda track: (-len(observations[track]), track))
    reports, artifacts, images = [], {}, {}
    for number, track in enumerate(order[: settings.video_max_tracks]):
        best = faces.best[track]
        names = {kind: track_artifact(number, kind) for kind in best.images}
        reports.append(
            track_report(
                number,
                sorted(observations[track], key=lambda face: face.frame),
                names,
                window=settings.video_smoothing_window,
                threshold=settings.video_verdict_threshold,
                suspicious=settings.video_suspicious_frames,
            )
        )
        artifacts |= {names[kind]: image for kind, image in best.images.items()}
        images[number] = best.images
    artifacts[CONTACT_SHEET] = contact_sheet(
        reports, images, duration_seconds, settings.video_verdict_threshold
    )
    return VideoOutcome(
        JobStatus.SUCCEEDED,
        None,
        max(report.fake_probability for report in reports),
        reports,
        len(observations),
        artifacts,
    )
