"""Test videos made with PyAV at test time (no committed binaries): celeba-id portraits that
drift across a grey canvas, one track per portrait, and small synthetic clips."""

import io
import itertools
from collections.abc import Iterable, Iterator
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
from photos import portraits
from PIL import Image

CANVAS = (640, 360)
PORTRAIT_SIDE = 300
DRIFT_PX = (60, -60)
"""How far each portrait moves, left to right, over the whole clip."""


def encode_frames(
    frames: Iterable[np.ndarray],
    fps: int = 10,
    container: str = "mp4",
    codec: str = "libx264",
    rotation: int = 0,
    pts: list[int] | None = None,
    codec_options: dict[str, str] | None = None,
) -> bytes:
    """(H, W, 3) uint8 RGB frames (any iterable: encoded one at a time) -> a video file's
    bytes. pts: presentation times in 1/1000 s (a variable frame rate); rotation: display
    rotation in degrees counter-clockwise."""
    buffer = io.BytesIO()
    frames = iter(frames)
    first = next(frames)
    height, width = first.shape[:2]
    with av.open(buffer, "w", format=container) as output:
        stream = output.add_stream(codec, rate=fps, options=codec_options or {})
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        if pts is not None:
            stream.codec_context.time_base = Fraction(1, 1000)
        if rotation:
            stream.set_display_rotation(rotation)
        for index, pixels in enumerate(itertools.chain([first], frames)):
            frame = av.VideoFrame.from_ndarray(pixels, format="rgb24")
            if pts is not None:
                frame.pts, frame.time_base = pts[index], Fraction(1, 1000)
            output.mux(stream.encode(frame))
        output.mux(stream.encode())
    return buffer.getvalue()


def flat_frames(count: int, size: tuple[int, int] = (64, 48)) -> list[np.ndarray]:
    width, height = size
    return [np.full((height, width, 3), 16 * index % 256, np.uint8) for index in range(count)]


def _portrait_pixels(path: Path) -> np.ndarray:
    with Image.open(path) as picture:
        resized = picture.convert("RGB").resize((PORTRAIT_SIDE,) * 2, Image.Resampling.LANCZOS)
        return np.asarray(resized)


def people_frames(
    celeba_root: Path, count: int, people: int = 2, canvas: tuple[int, int] = CANVAS
) -> Iterator[np.ndarray]:
    """Frames of `people` portraits side by side, each drifting by DRIFT_PX over the clip."""
    pictures = [_portrait_pixels(path) for path in portraits(celeba_root, people)]
    width, height = canvas
    top = (height - PORTRAIT_SIDE) // 2
    for index in range(count):
        canvas = np.full((height, width, 3), 128, np.uint8)
        for person, pixels in enumerate(pictures):
            start = 10 + person * (width // people)
            left = start + round(DRIFT_PX[person % 2] * index / max(1, count - 1))
            left = min(max(left, 0), width - PORTRAIT_SIDE)
            canvas[top : top + PORTRAIT_SIDE, left : left + PORTRAIT_SIDE] = pixels
        yield canvas


def people_clip(
    celeba_root: Path,
    seconds: float = 3.0,
    fps: int = 10,
    people: int = 2,
    canvas: tuple[int, int] = CANVAS,
    **options,
) -> bytes:
    """An MP4 (H.264) of `people` people drifting for `seconds`."""
    count = round(seconds * fps)
    frames = people_frames(celeba_root, count, people, canvas)
    return encode_frames(frames, fps=fps, **options)
