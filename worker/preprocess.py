"""Stored upload -> the model's input tensor. Issue 5 replaces the whole-image resize with face
detection and alignment; keep every input-side decision in this module."""

import io

import numpy as np
from PIL import Image, ImageOps


def load_rgb(data: bytes) -> Image.Image:
    """Decode, turn upright (EXIF) and convert to RGB. The API stores an RGB PNG already; this
    keeps the worker correct for any image it is handed."""
    with Image.open(io.BytesIO(data)) as image:
        return ImageOps.exif_transpose(image).convert("RGB")


def to_model_input(image: Image.Image, size: int) -> np.ndarray:
    """The whole image resized to size x size (bicubic), as (3, size, size) float32 in [0, 1]."""
    resized = image.resize((size, size), Image.Resampling.BICUBIC)
    array = np.asarray(resized, dtype=np.float32) / 255.0
    return np.ascontiguousarray(array.transpose(2, 0, 1))
