"""The sampled frames of a stored video, decoded lazily: one frame in memory at a time.

Sampling: the first frame of each bucket of 1 / sample_fps seconds of presentation time (so
the first frame always, a variable frame rate is sampled by the clock, and a gap skips the
buckets it covers). Frames between samples are decoded (the codec needs them) but never
converted to RGB. The container's rotation is applied, so frames are upright.

A chunk of the video is a range of buckets: its sampler decodes from the start (so frame
indices and sample numbers are the whole video's) but converts and yields only the samples in
its range, and stops after it. Chunks at bucket boundaries therefore sample exactly what one
pass over the video samples.

The header's claims bound the decode: past `declared_limit` frames (twice what the header's
frame count or duration x frame rate declared, plus a margin), or at a frame larger than the
first one the API checked (a stream may change its size midway), decoding stops, as it does
at the first damaged packet; the reason is kept in `stopped_because`.
"""

import logging
import math
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import av
import numpy as np

from dfrec_contract.video import VideoFacts

logger = logging.getLogger(__name__)

QUARTER_TURN = 90
DECLARED_MARGIN_FRAMES = 16


@dataclass(frozen=True)
class SampledFrame:
    index: int
    """Position among the decoded frames (0 is the first)."""
    sample: int
    """Position among the video's sampled frames (0 is the first)."""
    time_seconds: float
    rgb: np.ndarray
    """(H, W, 3) uint8, upright."""


def planned_samples(facts: VideoFacts, sample_fps: float) -> int:
    """How many frames sampling will take by the declared duration (the buckets that start
    before it ends): the progress total and the chunk plan's length."""
    return max(1, math.ceil(facts.duration_seconds * sample_fps - 1e-9))


def declared_limit(facts: VideoFacts) -> int:
    """Frames decoded at most: twice what the header declared, plus a margin."""
    by_clock = math.ceil(facts.duration_seconds * facts.frame_rate)
    return 2 * max(facts.declared_frames, by_clock) + DECLARED_MARGIN_FRAMES


def upright(pixels: np.ndarray, rotation: int) -> np.ndarray:
    """The coded frame turned as the display matrix says (rotation: degrees counter-clockwise)."""
    turns = (rotation // QUARTER_TURN) % 4
    return np.ascontiguousarray(np.rot90(pixels, k=turns)) if turns else pixels


class FrameSampler:
    """Iterate to get the sampled frames; afterwards `frames_decoded` and `stopped_because`
    say how far decoding went."""

    def __init__(
        self,
        path: Path,
        facts: VideoFacts,
        sample_fps: float,
        max_pixels: int,
        buckets: tuple[int, int | None] = (0, None),
    ) -> None:
        """max_pixels: of the first frame (the job's input width x height); buckets: the range
        [first, end) of sampling buckets to yield (end None: to the end)."""
        self.max_pixels = max_pixels
        self.path = path
        self.facts = facts
        self.interval = 1.0 / sample_fps
        self.first_bucket, self.end_bucket = buckets
        self.frames_decoded = 0
        self.samples = 0
        """Samples of the whole video up to where decoding stopped (yielded or not)."""
        self.stopped_because: str | None = None

    def __iter__(self) -> Iterator[SampledFrame]:
        limit = declared_limit(self.facts)
        last_bucket: int | None = None
        try:
            with av.open(str(self.path)) as container:
                stream = container.streams.video[0]
                stream.thread_type = "AUTO"
                for frame in container.decode(stream):
                    index = self.frames_decoded
                    if index >= limit:
                        self.stopped_because = (
                            f"the stream holds more than the {limit} frames its header allows"
                        )
                        return
                    if frame.width * frame.height > self.max_pixels:
                        self.stopped_because = f"frame {index} is larger than the first frame"
                        return
                    self.frames_decoded += 1
                    time = (
                        float(frame.time)
                        if frame.time is not None
                        else index / max(self.facts.frame_rate, 1.0)
                    )
                    bucket = math.floor(time / self.interval + 1e-9)
                    if last_bucket is not None and bucket <= last_bucket:
                        continue
                    if self.end_bucket is not None and bucket >= self.end_bucket:
                        return
                    last_bucket = bucket
                    sample = self.samples
                    self.samples += 1
                    if bucket < self.first_bucket:
                        continue
                    pixels = upright(frame.to_ndarray(format="rgb24"), self.facts.rotation)
                    yield SampledFrame(index, sample, round(time, 6), pixels)
        except av.FFmpegError as error:
            logger.info("video %s: decoding stopped: %r", self.path.name, error)
            self.stopped_because = f"damaged data after frame {self.frames_decoded}"
