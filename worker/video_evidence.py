"""The signed evidence manifest of a video job: what worker.evidence's manifest says of a
photo, with the video's facts (its SHA-256 among them), the sampling, every track and every
artifact (the contact sheet included) in place of the faces."""

from typing import Any

import av

from dfrec_contract.artifact_files import artifact_file
from dfrec_contract.record import JobRecord
from dfrec_contract.video import VideoSummary
from worker.config import WorkerSettings
from worker.ensemble import EnsembleInfo
from worker.evidence import artifact_entry, manifest_head, model_facts, pipeline_parameters
from worker.video_results import VideoOutcome


def video_parameters(settings: WorkerSettings, info: EnsembleInfo, feather: int) -> dict:
    """The photo pipeline's parameters plus how the video was sampled, tracked and judged."""
    return pipeline_parameters(settings, info, feather) | {
        "upload": "API: stored as uploaded after its headers passed the limits",
        "decoder": f"PyAV {av.__version__} (FFmpeg {av.ffmpeg_version_info}), rotation applied",
        "sample_fps": settings.video_sample_fps,
        "tracker": "greedy IoU (worker.tracker)",
        "track_min_iou": settings.video_track_min_iou,
        "track_max_gap": settings.video_track_max_gap,
        "max_tracks": settings.video_max_tracks,
        "smoothing_window": settings.video_smoothing_window,
        "verdict": "mean of the most suspicious third of a track's frames >= threshold",
        "verdict_threshold": settings.video_verdict_threshold,
        "best_face": "max log(1 + Laplacian variance) x frontality (worker.video_tracks)",
        "preview": "sampled frames with boxes and scores, H.264 (worker.video_preview)",
    }


def video_evidence_manifest(
    record: JobRecord,
    settings: WorkerSettings,
    info: EnsembleInfo,
    outcome: VideoOutcome,
    summary: VideoSummary,
    feather: int,
    timings_ms: dict[str, float],
) -> dict[str, Any]:
    """The unsigned manifest of a finished video job (signed by worker.evidence)."""
    return {
        **manifest_head(record, outcome.status, outcome.reason),
        "video": summary.model_dump(),
        "tracks": [track.model_dump() for track in outcome.tracks],
        "fake_probability": outcome.fake_probability,
        "model": model_facts(settings, info),
        "pipeline": video_parameters(settings, info, feather),
        "artifacts": {
            artifact_file(name, artifact.media_type): artifact_entry(artifact)
            for name, artifact in sorted(outcome.artifacts.items())
        },
        "timings_ms": timings_ms,
    }
