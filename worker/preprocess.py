"""Stored upload -> an upright RGB photo. Faces are found and aligned in worker.faces."""

import io

import numpy as np
from PIL import Image, ImageOps


def load_rgb(data: bytes) -> np.ndarray:
    """Decode, turn upright (EXIF) and convert to RGB: (H, W, 3) uint8. The API stores an RGB
    PNG already; this keeps the worker correct for any image it is handed."""
    with Image.open(io.BytesIO(data)) as image:
        return np.asarray(ImageOps.exif_transpose(image).convert("RGB"))
