"""H.264 (libx264) encoder options that give the same bytes for the same frames.

Evidence and evaluation clips must be byte-reproducible. Encoding RGB frames and leaving the
conversion to the encoder, with only FFmpeg's generic `threads` option, gave different bytes for
the same frames about one run in three; converting to YUV 4:2:0 first and giving x264 its own
single-thread parameters gives one output (measured: 60 encodes of one clip).
"""

import av
import numpy as np

X264_SINGLE_THREAD = "threads=1:lookahead-threads=1:sliced-threads=0"


def x264_options(preset: str, crf: int) -> dict[str, str]:
    """libx264 options for PyAV (`add_stream(..., options=)` or `CodecContext.options`)."""
    return {"preset": preset, "crf": str(crf), "threads": "1", "x264-params": X264_SINGLE_THREAD}


def yuv420_frame(pixels: np.ndarray) -> av.VideoFrame:
    """(H, W, 3) uint8 RGB, H and W even -> a yuv420p frame, converted before the encoder sees
    it (the encoder's own conversion is where the bytes varied)."""
    return av.VideoFrame.from_ndarray(pixels, format="rgb24").reformat(format="yuv420p")
