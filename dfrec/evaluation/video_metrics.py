"""Numbers of the video evaluation from what the worker answered per clip: ROC AUC of the
verdict scores per video (its most suspicious track, `result.fake_probability`), per track and
per sampled frame, and identity retrieval of a track's best-frame faces."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from dfrec.evaluation.identity import Gallery, identity_ranks, top_k_rate, unit_rows
from dfrec.metrics import roc_auc


@dataclass(frozen=True)
class ClipScores:
    """One clip's truth and the worker's scores. video: None when no track was found."""

    name: str
    kind: str
    """The synthesizer, or "pristine" for an unforged clip."""
    video: float | None
    tracks: list[float]
    frames: list[float]
    threshold: float

    @property
    def is_fake(self) -> bool:
        return self.kind != "pristine"


def auc(scores: list[float], labels: list[bool]) -> float | None:
    """ROC AUC (fake = positive), None without both kinds of label."""
    if not any(labels) or all(labels):
        return None
    return roc_auc(np.asarray(scores, np.float64), np.asarray(labels, bool))


def detection_metrics(clips: list[ClipScores]) -> dict[str, float | int | None]:
    """Video-, track- and frame-level AUC over the clips; a clip without a track counts as a
    video score of 0 (the worker answers `not_applicable`: nothing flagged)."""
    videos = [(clip.video or 0.0, clip.is_fake) for clip in clips]
    tracks = [(score, clip.is_fake) for clip in clips for score in clip.tracks]
    frames = [(score, clip.is_fake) for clip in clips for score in clip.frames]
    flagged = [(clip.video or 0.0) >= clip.threshold for clip in clips]
    right = [fake == clip.is_fake for fake, clip in zip(flagged, clips, strict=True)]
    return {
        "videos": len(clips),
        "videos_without_track": sum(clip.video is None for clip in clips),
        "tracks": len(tracks),
        "frames": len(frames),
        "video_auc": auc(*_columns(videos)),
        "track_auc": auc(*_columns(tracks)),
        "frame_auc": auc(*_columns(frames)),
        "video_accuracy": float(np.mean(right)) if right else None,
    }


def _columns(pairs: list[tuple[float, bool]]) -> tuple[list[float], list[bool]]:
    return [score for score, _ in pairs], [label for _, label in pairs]


def by_kind(clips: list[ClipScores]) -> dict[str, dict[str, float | int | None]]:
    """detection_metrics of each synthesizer's fakes against every unforged clip."""
    pristine = [clip for clip in clips if not clip.is_fake]
    kinds = sorted({clip.kind for clip in clips if clip.is_fake})
    return {
        kind: detection_metrics([clip for clip in clips if clip.kind == kind] + pristine)
        for kind in kinds
    }


def retrieval(
    descriptors: np.ndarray, people: np.ndarray, excluded_rows: np.ndarray, gallery: Gallery
) -> dict[str, float | int]:
    """Top-1 / top-5 of the true person among the gallery's people: descriptors (N, D) of the
    queries, people (N,), excluded_rows (N, K) the photos each clip was made from."""
    ranks = identity_ranks(unit_rows(descriptors), people, excluded_rows, gallery)
    return {"queries": len(ranks), "top1": top_k_rate(ranks, 1), "top5": top_k_rate(ranks, 5)}
