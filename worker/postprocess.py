"""Model outputs -> PNG artifacts whose bytes depend only on the pixels."""

import hashlib
import io
from dataclasses import dataclass

import numpy as np
from PIL import Image

PNG_MEDIA_TYPE = "image/png"
# zlib level of every artifact PNG: level 1 made postprocess 1.3-2.9x faster than 6 for
# 10-20 % more bytes (bench/worker_stages.py); lossless either way; the evidence hashes stored
# bytes.
PNG_COMPRESS_LEVEL = 1


@dataclass(frozen=True)
class Artifact:
    data: bytes
    width: int
    height: int
    media_type: str = PNG_MEDIA_TYPE

    def facts(self) -> dict:
        """What the job result says about the artifact (the API adds its URL)."""
        return {
            "media_type": self.media_type,
            "sha256": hashlib.sha256(self.data).hexdigest(),
            "width": self.width,
            "height": self.height,
        }


def to_uint8(array: np.ndarray) -> np.ndarray:
    """(C, H, W) float in [0, 1] -> (H, W, C) uint8, clipped and rounded half to even."""
    scaled = np.rint(np.clip(array, 0.0, 1.0) * 255.0).astype(np.uint8)
    return np.ascontiguousarray(scaled.transpose(1, 2, 0))


def encode_png(array: np.ndarray) -> Artifact:
    """(1 or 3, H, W) float in [0, 1] -> a PNG (grayscale or RGB) without metadata."""
    return encode_pixels(to_uint8(array))


def encode_pixels(pixels: np.ndarray) -> Artifact:
    """(H, W, 1 or 3) uint8 -> a PNG (grayscale or RGB) without metadata."""
    image = Image.fromarray(pixels[:, :, 0] if pixels.shape[2] == 1 else pixels)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=False, compress_level=PNG_COMPRESS_LEVEL)
    return Artifact(data=buffer.getvalue(), width=image.width, height=image.height)
