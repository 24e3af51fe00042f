"""Test photos: a group photo built from celeba-id portraits, and a photo without a face."""

import io
from pathlib import Path

import numpy as np
from PIL import Image

GROUP_SCALES = (1.0, 0.8, 0.6)
"""Scale of each portrait (320 px, face box ~168 px) in the group photo, largest first."""


def portraits(celeba_root: Path, count: int) -> list[Path]:
    """The first portrait of each of the first `count` identities (sorted, so stable)."""
    identities = sorted(path for path in celeba_root.iterdir() if path.is_dir())[:count]
    return [sorted(identity.glob("*.jpg"))[0] for identity in identities]


def group_photo(celeba_root: Path, scales: tuple[float, ...] = GROUP_SCALES) -> Image.Image:
    """Portraits side by side on a grey canvas, bottom-aligned, at the given scales."""
    pictures = []
    for path, scale in zip(portraits(celeba_root, len(scales)), scales, strict=True):
        with Image.open(path) as picture:
            size = (round(picture.width * scale), round(picture.height * scale))
            pictures.append(picture.convert("RGB").resize(size, Image.Resampling.LANCZOS))
    height = max(picture.height for picture in pictures)
    canvas = Image.new("RGB", (sum(picture.width for picture in pictures), height), (128,) * 3)
    left = 0
    for picture in pictures:
        canvas.paste(picture, (left, height - picture.height))
        left += picture.width
    return canvas


def gradient_photo(size: tuple[int, int] = (320, 240)) -> Image.Image:
    """A plain colour gradient: certainly no face."""
    width, height = size
    x = np.linspace(0, 255, width, dtype=np.float32)[None, :].repeat(height, 0)
    y = np.linspace(0, 255, height, dtype=np.float32)[:, None].repeat(width, 1)
    pixels = np.stack([x, y, 255 - x], axis=2).astype(np.uint8)
    return Image.fromarray(pixels)


def jpeg_bytes(picture: Image.Image) -> bytes:
    buffer = io.BytesIO()
    picture.save(buffer, format="JPEG", quality=92)
    return buffer.getvalue()


def png_bytes(picture: Image.Image) -> bytes:
    buffer = io.BytesIO()
    picture.save(buffer, format="PNG")
    return buffer.getvalue()
