"""One person's answer from the faces of their track: the timeline, the verdict and the frames
to look at. Pure functions of the per-frame numbers, so the rule can be read and tested here.

Verdict rule: the track's score is the mean of the most suspicious third of its per-frame fake
probabilities (at least one frame); the track is `fake` when that score is at least the
threshold. A forgery that covers only part of a clip still moves the score; one odd frame of a
long track does not.
"""

import math
from dataclasses import dataclass

import cv2
import numpy as np

from dfrec_contract.video import TrackPoint, TrackReport


@dataclass(frozen=True)
class FaceObservation:
    """One processed face of one sampled frame, with the ensemble's answer."""

    frame: int
    sample: int
    position: int
    """Its place among the frame's processed faces (largest first)."""
    time_seconds: float
    box: tuple[int, int, int, int]
    fake_probability: float
    lre_fake_probability: float | None
    quality: float

    @property
    def key(self) -> str:
        """Names the face within the video: frame and position."""
        return f"{self.frame}-{self.position}"


def face_quality(crop: np.ndarray, landmarks_5: np.ndarray) -> float:
    """Higher for a sharper, more frontal face: log(1 + variance of the Laplacian of the aligned
    crop) x frontality, where frontality is 1 with the nose midway between the eyes and 0 when
    it is half the eye distance off to one side (dlib's 5 points: worker.faces)."""
    gray = cv2.cvtColor(crop, cv2.COLOR_RGB2GRAY)
    sharpness = float(cv2.Laplacian(gray, cv2.CV_64F).var())
    right_eye = landmarks_5[0:2].mean(axis=0)
    left_eye = landmarks_5[2:4].mean(axis=0)
    eye_distance = max(float(np.linalg.norm(left_eye - right_eye)), 1e-6)
    offset = abs(float(landmarks_5[4][0] - (left_eye[0] + right_eye[0]) / 2)) / eye_distance
    return round(math.log1p(sharpness) * max(0.0, 1.0 - 2.0 * offset), 9)


def smoothed(values: list[float], window: int) -> list[float]:
    """Centred moving mean over `window` samples (shorter at the ends)."""
    half = window // 2
    return [
        sum(values[max(0, i - half) : i + half + 1]) / len(values[max(0, i - half) : i + half + 1])
        for i in range(len(values))
    ]


def verdict_score(probabilities: list[float]) -> float:
    """Mean of the highest ceil(n / 3) probabilities."""
    top = sorted(probabilities, reverse=True)[: math.ceil(len(probabilities) / 3)]
    return sum(top) / len(top)


def track_report(
    track_id: int,
    observations: list[FaceObservation],
    best_frame: int,
    artifacts: dict[str, str],
    *,
    window: int,
    threshold: float,
    suspicious: int,
) -> TrackReport:
    """The report of one track; observations in frame order; best_frame: the frame whose
    face the artifacts show."""
    probabilities = [face.fake_probability for face in observations]
    timeline = [
        TrackPoint(
            frame=face.frame,
            time_seconds=face.time_seconds,
            box=list(face.box),
            fake_probability=round(face.fake_probability, 6),
            lre_fake_probability=None
            if face.lre_fake_probability is None
            else round(face.lre_fake_probability, 6),
            smoothed=round(value, 6),
        )
        for face, value in zip(observations, smoothed(probabilities, window), strict=True)
    ]
    score = verdict_score(probabilities)
    by_suspicion = sorted(observations, key=lambda face: (-face.fake_probability, face.frame))
    return TrackReport(
        id=track_id,
        frames_seen=len(observations),
        first_seconds=observations[0].time_seconds,
        last_seconds=observations[-1].time_seconds,
        fake_probability=round(score, 6),
        verdict="fake" if score >= threshold else "real",
        timeline=timeline,
        suspicious_frames=[face.frame for face in by_suspicion[:suspicious]],
        best_frame=best_frame,
        artifacts=artifacts,
    )
