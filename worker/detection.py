"""Face detection within a pixel budget, so a huge photo cannot cost minutes of worker time.

dlib's HOG runs on a copy of the photo shrunk (area averaging) to at most `max_pixels`; when it
finds nothing, the upsampled retry (2x per side, 4x the pixels) runs only if that still fits
the same budget. Boxes come back in photo pixels; landmarks are found on the photo itself, as
in dfrec.data.align.detect_faces (same detector, same order: largest first).
"""

import functools
import math

import cv2
import dlib
import numpy as np

from dfrec.data.align import DetectedFace, landmarks

UPSAMPLE_PIXEL_FACTOR = 4


@functools.cache
def _hog() -> dlib.fhog_object_detector:
    return dlib.get_frontal_face_detector()


def working_copy(photo_rgb: np.ndarray, max_pixels: int) -> tuple[np.ndarray, float]:
    """(copy, scale): the photo shrunk to at most max_pixels, and copy pixels per photo pixel."""
    height, width = photo_rgb.shape[:2]
    scale = min(1.0, math.sqrt(max_pixels / (height * width)))
    if scale == 1.0:
        return np.ascontiguousarray(photo_rgb), scale
    size = (max(1, int(width * scale)), max(1, int(height * scale)))
    return cv2.resize(photo_rgb, size, interpolation=cv2.INTER_AREA), scale


def detect_faces_within(photo_rgb: np.ndarray, max_pixels: int) -> list[DetectedFace]:
    """HOG faces with 5-point landmarks, largest first. photo_rgb: (H, W, 3) uint8."""
    copy, scale = working_copy(photo_rgb, max_pixels)
    pixels = copy.shape[0] * copy.shape[1]
    upsamples = (0, 1) if pixels * UPSAMPLE_PIXEL_FACTOR <= max_pixels else (0,)
    for upsample in upsamples:
        rectangles, scores, _ = _hog().run(copy, upsample, 0.0)
        if rectangles:
            break
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
