"""Recovered faces back in the photo, at each face's place (inverse warp, feathered edge)."""

import numpy as np

from dfrec.data.align import paste_back
from worker.faces import PhotoFace
from worker.postprocess import to_uint8


def feather_pixels(image_size: int, fraction: float) -> int:
    """The feathered border in crop pixels for a crop of side image_size."""
    return round(image_size * fraction)


def paste_faces(
    photo_rgb: np.ndarray, faces: list[PhotoFace], recovered: np.ndarray, feather: int
) -> np.ndarray:
    """The photo with recovered[i] (3, S, S) float in [0, 1] pasted over faces[i].

    The smallest face goes first, so where faces overlap the larger one stays on top.
    Returns (H, W, 3) uint8.
    """
    picture = photo_rgb
    for face, crop in reversed(list(zip(faces, recovered, strict=True))):
        picture = paste_back(picture, to_uint8(crop), face.aligned.matrix, feather)
    return picture
