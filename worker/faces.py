"""Every face of a photo, found within the detection budget (worker.detection) and aligned
exactly as in training (dfrec.data.align).

Faces come largest first; at most `max_faces` are kept. A face whose box is smaller than
`min_face_size` on its shorter side is kept but not aligned: it is reported `face_too_small`.
"""

from dataclasses import dataclass

import numpy as np

from dfrec.data.align import AlignedFace, DetectedFace, align_face
from worker.detection import DetectionBudget, detect_faces_within


@dataclass(frozen=True)
class PhotoFace:
    """One detected face; `aligned` is None when it is too small to process."""

    index: int
    detected: DetectedFace
    aligned: AlignedFace | None


@dataclass(frozen=True)
class FaceSearch:
    detected_count: int
    faces: list[PhotoFace]

    def processable(self) -> list[PhotoFace]:
        return [face for face in self.faces if face.aligned is not None]


def find_faces(
    photo_rgb: np.ndarray,
    image_size: int,
    max_faces: int,
    min_face_size: int,
    budget: DetectionBudget,
) -> FaceSearch:
    """Detect (within the budget), keep the `max_faces` largest and align those big enough at
    image_size."""
    detected = detect_faces_within(photo_rgb, budget)
    faces = []
    for index, face in enumerate(detected[:max_faces]):
        left, top, right, bottom = face.box
        big_enough = min(right - left, bottom - top) >= min_face_size
        aligned = align_face(photo_rgb, face.landmarks, image_size) if big_enough else None
        faces.append(PhotoFace(index, face, aligned))
    return FaceSearch(len(detected), faces)


def model_input(faces: list[PhotoFace]) -> np.ndarray:
    """Aligned crops -> (B, 3, S, S) float32 in [0, 1], the ensemble's `image`."""
    crops = np.stack([face.aligned.crop for face in faces]).astype(np.float32) / 255.0
    return np.ascontiguousarray(crops.transpose(0, 3, 1, 2))
