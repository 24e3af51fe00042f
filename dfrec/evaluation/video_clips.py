"""Test videos with known truth: a slow zoom and pan over one photo of a test person (the
camera), forged frame by frame with another test person's face (`dfrec forge`'s paste), and
the same clip unforged as its negative twin.

The forgery stays consistent over time: one aligned source face and one synthesizer seed per
clip (so the same mask shape, edge width and colour transfer draw), while the target's
landmarks are found again in every frame (the face moves with the camera). Same photos and
seed: same frames and the same MP4 bytes (H.264 on one encoder thread).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
import cv2
import numpy as np

from dfrec.forge import NoFaceError, aligned_face, forge_onto
from dfrec_contract.video_codec import single_threaded, x264_options, yuv420_frame


@dataclass(frozen=True)
class CameraMotion:
    """A zoom from zoom_start to zoom_end (1: the whole photo fills the frame) while the view's
    centre pans from one side of the room the zoom leaves to the other; direction: (x, y)
    signs of the pan."""

    zoom_start: float = 1.1
    zoom_end: float = 1.35
    pan_share: float = 0.8
    """Share of the room left by the zoom that the pan uses (< 1 keeps the view in the photo)."""
    direction: tuple[int, int] = (1, 1)

    def matrix(self, step: float, photo_side: int, frame_side: int) -> np.ndarray:
        """(2, 3) affine map from photo to frame pixels at step in [0, 1] (square photo)."""
        zoom = self.zoom_start + (self.zoom_end - self.zoom_start) * step
        room = photo_side * (1.0 - 1.0 / zoom) / 2.0
        offset = (2.0 * step - 1.0) * self.pan_share * room
        centre = photo_side / 2.0 + offset * np.array(self.direction, np.float64)
        scale = zoom * frame_side / photo_side
        shift = frame_side / 2.0 - scale * centre
        return np.array([[scale, 0.0, shift[0]], [0.0, scale, shift[1]]])


@dataclass(frozen=True)
class ClipSettings:
    """seconds x fps frames of frame_side x frame_side pixels; crf: H.264 quality (lower is
    closer to the frames)."""

    seconds: float = 4.0
    fps: int = 10
    frame_side: int = 320
    crf: int = 18

    @property
    def frames(self) -> int:
        return round(self.seconds * self.fps)


def camera_frames(
    photo: np.ndarray, motion: CameraMotion, clip: ClipSettings
) -> Iterator[np.ndarray]:
    """The clip's frames (frame_side, frame_side, 3) uint8 filmed over a square photo."""
    side = photo.shape[0]
    for index in range(clip.frames):
        step = index / max(clip.frames - 1, 1)
        matrix = motion.matrix(step, side, clip.frame_side)
        yield cv2.warpAffine(
            photo,
            matrix,
            (clip.frame_side, clip.frame_side),
            flags=cv2.INTER_LINEAR,
            borderMode=cv2.BORDER_REFLECT_101,
        )


@dataclass(frozen=True)
class ForgedFrames:
    """frames: the forged clip; pasted_share: mean share of each frame's pixels from the
    source; unforged: frames where no target face was found (kept as filmed)."""

    frames: list[np.ndarray]
    pasted_share: float
    unforged: int


def forge_frames(
    frames: list[np.ndarray], source_photo: np.ndarray, kind: str, seed: int
) -> ForgedFrames:
    """Every frame forged with the same aligned source face, synthesizer kind and seed."""
    _, source_face = aligned_face(source_photo, "the source photo")
    forged, shares, unforged = [], [], 0
    for frame in frames:
        try:
            result = forge_onto(source_face, frame, kind, seed)
        except NoFaceError:
            forged.append(frame)
            unforged += 1
            continue
        forged.append(result.fake)
        shares.append(float(result.mask.mean()))
    return ForgedFrames(forged, float(np.mean(shares)) if shares else 0.0, unforged)


def write_mp4(frames: list[np.ndarray], path: Path, clip: ClipSettings) -> None:
    """H.264 (yuv420p) in MP4 at clip.fps, one encoder thread, fixed options (same bytes)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    options = x264_options("veryfast", clip.crf)
    with av.open(str(path), "w", format="mp4") as output:
        stream = output.add_stream("libx264", rate=Fraction(clip.fps), options=options)
        single_threaded(stream.codec_context)
        height, width = frames[0].shape[:2]
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        for index, pixels in enumerate(frames):
            picture = yuv420_frame(np.ascontiguousarray(pixels))
            picture.pts = index
            output.mux(stream.encode(picture))
        output.mux(stream.encode())
