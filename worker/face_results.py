"""Per-face reports and images of one photo, from the faces found and the ensemble's outputs.

Artifact names (each served as `<name>.png`):
    face{i}_crop, face{i}_mask, face{i}_source, face{i}_target   each processed face i
    face{i}_heatmap                     LRE's heat map of face i (when LRE is deployed)
    mask, source, target                the largest processed face (the single-face API)
    context_target, context_source      the photo with every recovered target / source pasted in
    context_heatmap                     the photo with every face's heat map laid over it (LRE)
"""

from dataclasses import dataclass
from typing import Any

import numpy as np

from dfrec_contract.status import JobStatus, NotApplicableReason
from worker.context_images import paste_faces
from worker.ensemble import EnsembleOutputs
from worker.faces import FaceSearch, PhotoFace
from worker.heatmap import heat_overlay
from worker.postprocess import Artifact, encode_pixels, encode_png

PRIMARY_KINDS = ("mask", "source", "target")
CONTEXT_KINDS = ("target", "source")
HEATMAP_KIND = "heatmap"


def face_artifact(index: int, kind: str) -> str:
    return f"face{index}_{kind}"


@dataclass(frozen=True)
class FaceOutcome:
    """What the job reports: succeeded when at least one face was processed."""

    status: JobStatus
    reason: NotApplicableReason | None
    fake_probability: float | None
    faces: list[dict[str, Any]]
    artifacts: dict[str, Artifact]


def _face_report(
    face: PhotoFace,
    probability: float | None,
    kinds: tuple[str, ...],
    lre_probability: float | None = None,
) -> dict:
    processed = face.aligned is not None
    return {
        "index": face.index,
        "status": (JobStatus.SUCCEEDED if processed else JobStatus.NOT_APPLICABLE).value,
        "reason": None if processed else NotApplicableReason.FACE_TOO_SMALL.value,
        "box": [int(value) for value in face.detected.box],
        "landmarks": np.round(face.detected.landmarks.astype(float), 2).tolist(),
        "detection_score": round(float(face.detected.score), 6),
        "fake_probability": probability,
        "lre_fake_probability": lre_probability,
        "artifacts": {kind: face_artifact(face.index, kind) for kind in kinds if processed},
    }


def _face_images(face: PhotoFace, row: int, outputs: EnsembleOutputs) -> dict[str, Artifact]:
    images = {
        face_artifact(face.index, "crop"): encode_pixels(face.aligned.crop),
        **{
            face_artifact(face.index, kind): encode_png(getattr(outputs, kind)[row])
            for kind in PRIMARY_KINDS
        },
    }
    if outputs.heatmap is not None:
        images[face_artifact(face.index, HEATMAP_KIND)] = encode_png(outputs.heatmap[row])
    return images


def face_outcome(
    photo_rgb: np.ndarray, search: FaceSearch, outputs: EnsembleOutputs | None, feather: int
) -> FaceOutcome:
    """Reports for every kept face; images for the processed ones and the photo in context.

    `outputs` rows follow `search.processable()`; None exactly when nothing was processable.
    The photo's fake probability is that of its most suspicious face.
    """
    processed = search.processable()
    if not search.faces:
        return FaceOutcome(JobStatus.NOT_APPLICABLE, NotApplicableReason.NO_FACE, None, [], {})
    if outputs is None:
        reports = [_face_report(face, None, ()) for face in search.faces]
        reason = NotApplicableReason.FACE_TOO_SMALL
        return FaceOutcome(JobStatus.NOT_APPLICABLE, reason, None, reports, {})
    probabilities = [float(value) for value in outputs.fake_probability.reshape(-1)]
    lre = outputs.lre_fake_probability
    lre_probabilities = (
        [None] * len(processed) if lre is None else [float(v) for v in lre.reshape(-1)]
    )
    by_index = {face.index: row for row, face in enumerate(processed)}
    kinds = ("crop", *PRIMARY_KINDS, *((HEATMAP_KIND,) if outputs.heatmap is not None else ()))
    reports = [
        _face_report(face, None, ())
        if face.aligned is None
        else _face_report(
            face,
            probabilities[by_index[face.index]],
            kinds,
            lre_probabilities[by_index[face.index]],
        )
        for face in search.faces
    ]
    artifacts: dict[str, Artifact] = {}
    for row, face in enumerate(processed):
        artifacts |= _face_images(face, row, outputs)
    primary = processed[0].index
    artifacts |= {kind: artifacts[face_artifact(primary, kind)] for kind in PRIMARY_KINDS}
    for kind in CONTEXT_KINDS:
        picture = paste_faces(photo_rgb, processed, getattr(outputs, kind), feather)
        artifacts[f"context_{kind}"] = encode_pixels(picture)
    if outputs.heatmap is not None:
        overlays = np.stack(
            [
                heat_overlay(face.aligned.crop, outputs.heatmap[row])
                for row, face in enumerate(processed)
            ]
        )
        picture = paste_faces(photo_rgb, processed, overlays, feather)
        artifacts[f"context_{HEATMAP_KIND}"] = encode_pixels(picture)
    return FaceOutcome(JobStatus.SUCCEEDED, None, max(probabilities), reports, artifacts)
