"""H.264 (libx264) encoder options that give the same bytes for the same frames.

Evidence and evaluation clips must be byte-reproducible. Encoding RGB frames and leaving the
conversion to FFmpeg, with only FFmpeg's generic `threads` option, gave different bytes for the
same frames about one run in three, and more often on a loaded machine. Converting to YUV 4:2:0
with OpenCV first, giving x264 its own single-thread parameters and turning FFmpeg's threading
off on the codec context gives one output (40 encodes of one clip with both cores busy).
"""

import av
import cv2
import numpy as np

X264_SINGLE_THREAD = "threads=1:lookahead-threads=1:sliced-threads=0"


def x264_options(preset: str, crf: int) -> dict[str, str]:
    """libx264 options for PyAV (`add_stream(..., options=)` or `CodecContext.options`)."""
    return {"preset": preset, "crf": str(crf), "threads": "1", "x264-params": X264_SINGLE_THREAD}


def single_threaded(context: av.CodecContext) -> None:
    """No FFmpeg threading on an encoder's context (PyAV's default is slice threads)."""
    context.thread_type = "NONE"
    context.thread_count = 1


def yuv420_frame(pixels: np.ndarray) -> av.VideoFrame:
    """(H, W, 3) uint8 RGB, H and W even -> a yuv420p frame, converted by OpenCV (BT.601) before
    the encoder sees it: FFmpeg's own conversion is where the bytes varied under load."""
    planes = cv2.cvtColor(np.ascontiguousarray(pixels), cv2.COLOR_RGB2YUV_I420)
    return av.VideoFrame.from_ndarray(planes, format="yuv420p")
