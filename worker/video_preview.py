"""The annotated preview of a video job: its sampled frames, upright, at most PREVIEW_SIDE
pixels wide, each tracked face boxed (red: the frame's probability at or above the verdict
threshold, green below) with its track id and probability, played at the sampling rate.
H.264 in MP4 on one encoder thread with fixed options, so the same job gives the same bytes.
"""

import io
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
from PIL import Image, ImageDraw, ImageFont

from dfrec_contract.video import TrackReport, VideoFacts
from dfrec_contract.video_codec import single_threaded, x264_options, yuv420_frame
from worker.postprocess import Artifact
from worker.video_frames import FrameSampler

PREVIEW = "preview"
MP4_MEDIA_TYPE = "video/mp4"
PREVIEW_SIDE = 640
ENCODER_OPTIONS = x264_options("veryfast", 28)
COLOURS = {True: (230, 40, 40), False: (40, 200, 80)}


def _even(value: float) -> int:
    return max(2, int(value) // 2 * 2)


def _marks(tracks: list[TrackReport]) -> dict[int, list[tuple[int, list[int], float]]]:
    """Frame index -> (track id, box, fake probability) of every tracked face in it."""
    marks: dict[int, list[tuple[int, list[int], float]]] = {}
    for track in tracks:
        for point in track.timeline:
            marks.setdefault(point.frame, []).append((track.id, point.box, point.fake_probability))
    return marks


def _annotated(
    pixels: np.ndarray, marks: list, scale: float, size: tuple[int, int], threshold: float
) -> np.ndarray:
    image = Image.fromarray(pixels).resize(size, Image.Resampling.BILINEAR)
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default()
    for track_id, box, probability in marks:
        left, top, right, bottom = (round(value * scale) for value in box)
        colour = COLOURS[probability >= threshold]
        draw.rectangle([left, top, right, bottom], outline=colour, width=2)
        draw.text(
            (left + 2, max(0, top - 12)), f"#{track_id} {probability:.2f}", fill=colour, font=font
        )
    return np.asarray(image)


def preview_video(
    path: Path,
    facts: VideoFacts,
    max_pixels: int,
    sample_fps: float,
    tracks: list[TrackReport],
    threshold: float,
) -> Artifact:
    """The preview MP4 of the stored video (decoded once more, lazily)."""
    marks = _marks(tracks)
    buffer = io.BytesIO()
    size = scale = None
    with av.open(buffer, "w", format="mp4") as output:
        stream = None
        for count, frame in enumerate(FrameSampler(path, facts, sample_fps, max_pixels)):
            if stream is None:
                height, width = frame.rgb.shape[:2]
                scale = min(1.0, PREVIEW_SIDE / width)
                size = (_even(width * scale), _even(height * scale))
                rate = Fraction(sample_fps).limit_denominator(1000)
                stream = output.add_stream("libx264", rate=rate, options=ENCODER_OPTIONS)
                single_threaded(stream.codec_context)
                stream.width, stream.height, stream.pix_fmt = *size, "yuv420p"
            pixels = _annotated(frame.rgb, marks.get(frame.index, []), scale, size, threshold)
            picture = yuv420_frame(pixels)
            picture.pts = count
            output.mux(stream.encode(picture))
        if stream is not None:
            output.mux(stream.encode())
    width, height = size or (0, 0)
    return Artifact(buffer.getvalue(), width, height, MP4_MEDIA_TYPE)
