"""Check an uploaded video against the limits from its container's headers, then decode its
first frame only (PyAV, FFmpeg's libraries in-process; no subprocess).

Checks run cheapest first: the container opens as MP4 / QuickTime / WebM / Matroska (FFmpeg
reads the headers and at most `PROBE_BYTES` of packets), the stream count, one video stream
with an accepted codec, its declared frame size, duration, frame rate and frame count. Only then
is one frame decoded (at most `FIRST_FRAME_PACKETS` packets read): a file whose headers pass but
whose first frame does not decode is refused. A header's claims are only claims: the worker
stops decoding past what the header declared (worker.video_frames).
"""

import io
import logging
import math

import av

from dfrec_contract.video import VideoFacts
from service.config import ServiceSettings
from service.errors import ApiError, ErrorCode

logger = logging.getLogger(__name__)

CONTAINERS = {"mov,mp4,m4a,3gp,3g2,mj2": "MP4", "matroska,webm": "WebM"}
"""FFmpeg demuxer -> the format name the job reports (QuickTime opens as the MP4 demuxer)."""
CODECS = ("h264", "hevc", "vp8", "vp9", "av1")
PROBE_BYTES = 5_000_000
FIRST_FRAME_PACKETS = 512
QUARTER_TURN = 90


def _refuse(status: int, code: ErrorCode, message: str) -> ApiError:
    return ApiError(status, code, message)


def _undecodable(error: Exception) -> ApiError:
    logger.info("undecodable video: %r", error)
    return _refuse(
        422, ErrorCode.UNDECODABLE_VIDEO, "the video's container or frames do not decode"
    )


def _duration_seconds(container: av.container.InputContainer, stream: av.VideoStream) -> float:
    """The longer of the container's and the stream's declared durations (0 when neither)."""
    claims = [0.0]
    if container.duration:
        claims.append(container.duration / av.time_base)
    if stream.duration and stream.time_base:
        claims.append(float(stream.duration * stream.time_base))
    return max(claims)


def _check_stream(stream: av.VideoStream, settings: ServiceSettings) -> tuple[float, int]:
    """(frame rate, declared frames) of the video stream, within the limits."""
    codec = stream.codec_context.name
    if codec not in CODECS:
        accepted = ", ".join(CODECS)
        raise _refuse(
            415, ErrorCode.UNSUPPORTED_VIDEO_CODEC, f"video codec {codec}; accepted: {accepted}"
        )
    width, height = stream.codec_context.width, stream.codec_context.height
    if width < 1 or height < 1:
        raise _refuse(422, ErrorCode.UNDECODABLE_VIDEO, "the video declares no frame size")
    if max(width, height) > settings.max_video_side or width * height > settings.max_video_pixels:
        raise _refuse(
            413,
            ErrorCode.TOO_MANY_PIXELS,
            f"frames of {width} x {height}; at most {settings.max_video_side} px a side and "
            f"{settings.max_video_pixels} pixels",
        )
    rate = stream.average_rate or stream.guessed_rate or 0
    frame_rate = float(rate)
    if not math.isfinite(frame_rate) or frame_rate > settings.max_video_fps:
        raise _refuse(
            413,
            ErrorCode.FRAME_RATE_TOO_HIGH,
            f"{frame_rate:g} frames a second; at most {settings.max_video_fps:g}",
        )
    max_frames = math.ceil(settings.max_video_seconds * settings.max_video_fps)
    if stream.frames > max_frames:
        raise _refuse(
            413, ErrorCode.TOO_MANY_FRAMES, f"{stream.frames} frames declared; at most {max_frames}"
        )
    return frame_rate, stream.frames


def _first_frame(container: av.container.InputContainer, stream: av.VideoStream) -> av.VideoFrame:
    """The first decoded frame, reading at most FIRST_FRAME_PACKETS packets."""
    for count, packet in enumerate(container.demux(stream)):
        if count >= FIRST_FRAME_PACKETS:
            break
        for frame in packet.decode():
            return frame
    raise _refuse(422, ErrorCode.NO_VIDEO_FRAMES, "no frame of the video decodes")


def _facts(
    container: av.container.InputContainer, settings: ServiceSettings
) -> tuple[VideoFacts, int, int]:
    format_name = CONTAINERS.get(container.format.name)
    if format_name is None:
        raise _refuse(
            415, ErrorCode.UNSUPPORTED_MEDIA_TYPE, "not an MP4, QuickTime, WebM or Matroska video"
        )
    if len(container.streams) > settings.max_video_streams:
        raise _refuse(
            413,
            ErrorCode.TOO_MANY_STREAMS,
            f"{len(container.streams)} streams; at most {settings.max_video_streams}",
        )
    if not container.streams.video:
        raise _refuse(422, ErrorCode.NO_VIDEO_STREAM, "the container holds no video stream")
    stream = container.streams.video[0]
    frame_rate, declared_frames = _check_stream(stream, settings)
    duration = _duration_seconds(container, stream)
    if duration > settings.max_video_seconds:
        raise _refuse(
            413,
            ErrorCode.VIDEO_TOO_LONG,
            f"{duration:.1f} s declared; at most {settings.max_video_seconds:g} s",
        )
    if duration <= 0:
        raise _refuse(422, ErrorCode.NO_VIDEO_FRAMES, "the video declares no duration")
    frame = _first_frame(container, stream)
    rotation = round(frame.rotation / QUARTER_TURN) * QUARTER_TURN % 360
    width, height = frame.width, frame.height
    if rotation % 180:
        width, height = height, width
    facts = VideoFacts(
        container=format_name,
        codec=stream.codec_context.name,
        duration_seconds=round(duration, 6),
        frame_rate=round(frame_rate, 6),
        declared_frames=declared_frames,
        rotation=rotation,
        stored_as="",
    )
    return facts, width, height


def probe_video(data: bytes, settings: ServiceSettings) -> tuple[VideoFacts, int, int]:
    """(facts, upright width, upright height) of an acceptable video; ApiError otherwise.
    `facts.stored_as` is left empty for the caller to fill in."""
    try:
        with av.open(
            io.BytesIO(data), mode="r", options={"probesize": str(PROBE_BYTES)}
        ) as container:
            return _facts(container, settings)
    except ApiError:
        raise
    except Exception as error:  # noqa: BLE001 - FFmpeg parses hostile bytes: any error is a 422
        raise _undecodable(error) from error
