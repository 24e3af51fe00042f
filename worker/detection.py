"""Face detection within a pixel budget, so a huge photo cannot cost minutes of worker time.

dlib's HOG runs on a copy of the photo shrunk (area averaging) to at most `first_pixels`
(cheap: HOG time grows with the pixels searched); only when that finds nothing does it search a
larger copy of at most `max_pixels` (faces down to HOG's 80 px window in that copy), and then the
upsampled retry (2x per side, 4x the pixels) only if that still fits `max_pixels`. So a photo
with one face big enough for the small copy costs one small pass; a group photo whose faces
are all small costs the larger pass too; in a photo with one big face, faces too small for the
small copy are not searched for. Boxes come back in photo pixels; landmarks are found on the
photo itself, as in dfrec.data.align.detect_faces (same detector, same order: largest first).
"""

import math
from dataclasses import dataclass

import cv2
import numpy as np

from dfrec.data.align import DetectedFace, hog_face_detector, landmarks

UPSAMPLE_PIXEL_FACTOR = 4


@dataclass(frozen=True)
class DetectionBudget:
    """Pixels of the copies searched: first at most first_pixels, then (nothing found) at most
    max_pixels."""

    first_pixels: int
    max_pixels: int

    def passes(self, photo_pixels: int) -> list[int]:
        """The copies' pixel budgets, smallest first, without a pass that would repeat the
        previous copy's size (a photo already within first_pixels is searched once)."""
        first = min(self.first_pixels, self.max_pixels)
        larger_copy = min(self.max_pixels, photo_pixels) > min(first, photo_pixels)
        return [first, self.max_pixels] if larger_copy else [first]


def working_copy(photo_rgb: np.ndarray, max_pixels: int) -> tuple[np.ndarray, float]:
    """(copy, scale): the photo shrunk to at most max_pixels, and copy pixels per photo pixel."""
    height, width = photo_rgb.shape[:2]
    scale = min(1.0, math.sqrt(max_pixels / (height * width)))
    if scale == 1.0:
        return np.ascontiguousarray(photo_rgb), scale
    size = (max(1, int(width * scale)), max(1, int(height * scale)))
    return cv2.resize(photo_rgb, size, interpolation=cv2.INTER_AREA), scale


def _search(photo_rgb: np.ndarray, budget: DetectionBudget) -> tuple[list, list, float]:
    """(rectangles, scores, scale) of the first pass that finds a face (or of the last)."""
    passes = budget.passes(photo_rgb.shape[0] * photo_rgb.shape[1])
    for pixel_budget in passes:
        copy, scale = working_copy(photo_rgb, pixel_budget)
        pixels = copy.shape[0] * copy.shape[1]
        last = pixel_budget == passes[-1]
        upsample_fits = pixels * UPSAMPLE_PIXEL_FACTOR <= budget.max_pixels
        for upsample in (0, 1) if last and upsample_fits else (0,):
            rectangles, scores, _ = hog_face_detector().run(copy, upsample, 0.0)
            if rectangles:
                return rectangles, scores, scale
    return [], [], 1.0


def detect_faces_within(photo_rgb: np.ndarray, budget: DetectionBudget) -> list[DetectedFace]:
    """HOG faces with 5-point landmarks, largest first. photo_rgb: (H, W, 3) uint8."""
    rectangles, scores, scale = _search(photo_rgb, budget)
    faces = []
    for rectangle, score in zip(rectangles, scores, strict=True):
        box = tuple(
            round(value / scale)
            for value in (rectangle.left(), rectangle.top(), rectangle.right(), rectangle.bottom())
        )
        faces.append(DetectedFace(box, landmarks(photo_rgb, box, 5), float(score)))
    return sorted(
        faces, key=lambda face: -(face.box[2] - face.box[0]) * (face.box[3] - face.box[1])
    )
