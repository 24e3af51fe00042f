"""Image decoding and encoding shared by the CLI, the worker and training. NumPy + Pillow only.

Encoding is deterministic: the same array always gives the same PNG bytes (no metadata).
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps


def open_rgb(data: bytes | Path) -> Image.Image:
    """Decode an image, apply its EXIF orientation and convert any mode to 8-bit RGB."""
    image = Image.open(io.BytesIO(data) if isinstance(data, bytes) else data)
    image.load()
    image = ImageOps.exif_transpose(image)
    if image.mode in ("I;16", "I;16B", "I;16L", "I"):
        scaled = np.asarray(image, dtype=np.float64) / 256.0
        image = Image.fromarray(np.clip(scaled, 0, 255).astype(np.uint8))
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        image = Image.alpha_composite(background, rgba)
    return image.convert("RGB")


def to_model_input(image: Image.Image, size: int) -> np.ndarray:
    """Whole image resized to size x size (bicubic). -> (3, size, size) float32 in [0, 1]."""
    resized = image.resize((size, size), Image.Resampling.BICUBIC)
    return (np.asarray(resized, dtype=np.float32) / 255.0).transpose(2, 0, 1).copy()


def to_uint8(array: np.ndarray) -> np.ndarray:
    """(C, H, W) float in [0, 1] -> (H, W, C) uint8, rounded; C is 1 or 3."""
    scaled = np.rint(np.clip(array, 0.0, 1.0) * 255.0).astype(np.uint8)
    return scaled.transpose(1, 2, 0)


def png_bytes(array: np.ndarray) -> bytes:
    """(C, H, W) float in [0, 1] -> PNG bytes, byte-identical for identical arrays."""
    pixels = to_uint8(array)
    image = Image.fromarray(pixels[..., 0] if pixels.shape[-1] == 1 else pixels)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=False, compress_level=6)
    return buffer.getvalue()
