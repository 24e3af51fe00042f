"""Hostile videos for the hostile corpus (tests/hostile_files.py): each a POST /recover body
whose answer must be a 4xx with a stable code (or a 202 for a video that is odd but honest),
never a 5xx and never an unbounded decode. Made with PyAV at test time, deterministically.

EXPECTED names the answer a case must get where one is certain (status, error code); the other
cases (truncations and bit flips at seeded places) may get any 4xx or a 202.
"""

import functools
import io
import random
import struct

import av
import numpy as np
from hostile_files import HostileCase, encode, multipart, picture
from videos import encode_frames, flat_frames

EXPECTED: dict[str, tuple[int, str | None]] = {
    "video/audio-only": (422, "no_video_stream"),
    "video/many-streams": (413, "too_many_streams"),
    "video/too-long": (413, "video_too_long"),
    "video/stts-claims-millions": (413, "too_many_frames"),
    "video/mvhd-claims-hours": (202, None),
    "video/frame-rate-240": (413, "frame_rate_too_high"),
    "video/frames-too-wide": (413, "too_many_pixels"),
    "video/mpeg4-codec": (415, "unsupported_video_codec"),
    "video/moov-at-end-cut": (422, "undecodable_video"),
    "video/zero-frames": (422, "no_video_stream"),
    "video/ftyp-then-junk": (422, "undecodable_video"),
    "video/heic-brand-junk": (415, "unsupported_media_type"),
    "video/jpeg-named-mp4": (202, None),
    "video/rotated-90": (202, None),
    "video/variable-frame-rate": (202, None),
    "video/webm-vp9": (202, None),
    "video/quicktime": (202, None),
}


def video_case(name: str, data: bytes, filename: str = "clip.mp4") -> HostileCase:
    return HostileCase("video", name, multipart(data, filename=filename))


@functools.cache
def small_clip(container: str = "mp4", codec: str = "libx264", count: int = 12) -> bytes:
    return encode_frames(flat_frames(count), fps=10, container=container, codec=codec)


def audio_only() -> bytes:
    buffer = io.BytesIO()
    with av.open(buffer, "w", format="mp4") as output:
        stream = output.add_stream("aac", rate=8000)
        for index in range(8):
            frame = av.AudioFrame.from_ndarray(
                np.zeros((1, 1024), np.float32), format="fltp", layout="mono"
            )
            frame.sample_rate, frame.pts = 8000, index * 1024
            output.mux(stream.encode(frame))
        output.mux(stream.encode())
    return buffer.getvalue()


def zero_frames() -> bytes:
    """An MP4 with a video stream and no frame."""
    buffer = io.BytesIO()
    with av.open(buffer, "w", format="mp4") as output:
        stream = output.add_stream("libx264", rate=10)
        stream.width, stream.height, stream.pix_fmt = 64, 48, "yuv420p"
        output.start_encoding()
    return buffer.getvalue()


def many_streams(count: int = 40) -> bytes:
    buffer = io.BytesIO()
    frames = flat_frames(2, (16, 16))
    with av.open(buffer, "w", format="mp4") as output:
        streams = []
        for _ in range(count):
            stream = output.add_stream("libx264", rate=10)
            stream.width, stream.height, stream.pix_fmt = 16, 16, "yuv420p"
            streams.append(stream)
        for pixels in frames:
            for stream in streams:
                output.mux(stream.encode(av.VideoFrame.from_ndarray(pixels, format="rgb24")))
        for stream in streams:
            output.mux(stream.encode())
    return buffer.getvalue()


def patched_mvhd_duration(data: bytes, duration: int) -> bytes:
    """The MP4 with its movie header (version 0) claiming `duration` in its time scale."""
    at = data.index(b"mvhd") + 4 + 4 + 8 + 4  # version+flags, two times, the time scale
    return data[:at] + struct.pack(">I", duration) + data[at + 4 :]


def patched_stts_count(data: bytes, count: int) -> bytes:
    """The MP4 with its first time-to-sample entry claiming `count` frames."""
    at = data.index(b"stts") + 4 + 4 + 4  # version+flags, entry count
    return data[:at] + struct.pack(">I", count) + data[at + 4 :]


def patched_box_size(data: bytes, box: bytes, size: int) -> bytes:
    at = data.index(box) - 4
    return data[:at] + struct.pack(">I", size) + data[at + 4 :]


def named_cases() -> list[HostileCase]:
    clip = small_clip()
    half = clip[: len(clip) // 2]
    jpeg = encode(picture(size=(64, 64)), "JPEG")
    return [
        video_case("audio-only", audio_only()),
        video_case("many-streams", many_streams()),
        video_case("too-long", encode_frames(flat_frames(2), pts=[0, 700_000])),
        # FFmpeg takes durations from the sample tables, not from the movie header's claim:
        video_case("mvhd-claims-hours", patched_mvhd_duration(clip, 0xFFFFFFF0)),
        video_case("mvhd-claims-an-instant", patched_mvhd_duration(clip, 1)),
        video_case("stts-claims-millions", patched_stts_count(clip, 10_000_000)),
        video_case("moov-size-huge", patched_box_size(clip, b"moov", 0x7FFFFFF0)),
        video_case("mdat-size-zero", patched_box_size(clip, b"mdat", 0)),
        video_case("frame-rate-240", encode_frames(flat_frames(3), fps=240)),
        video_case("frames-too-wide", encode_frames(flat_frames(2, (4112, 16)))),
        video_case("mpeg4-codec", encode_frames(flat_frames(3), codec="mpeg4")),
        video_case("moov-at-end-cut", half),
        video_case("zero-frames", zero_frames()),
        video_case("ftyp-then-junk", b"\0\0\0\x18ftypisom" + bytes(range(256)) * 8),
        video_case("heic-brand-junk", b"\0\0\0\x18ftypheic" + bytes(range(256)) * 8),
        video_case("ebml-then-junk", b"\x1a\x45\xdf\xa3" + bytes(range(256)) * 8),
        video_case("jpeg-named-mp4", jpeg),
        video_case("rotated-90", encode_frames(flat_frames(6), rotation=90)),
        video_case(
            "variable-frame-rate", encode_frames(flat_frames(6), pts=[0, 40, 90, 400, 410, 1500])
        ),
        video_case("webm-vp9", small_clip("webm", "libvpx-vp9"), "clip.webm"),
        video_case("webm-vp8", small_clip("webm", "libvpx"), "clip.webm"),
        video_case("quicktime", small_clip("mov"), "clip.mov"),
        video_case("faststart-cut", faststart_clip()[: len(faststart_clip()) * 2 // 3]),
    ]


@functools.cache
def faststart_clip() -> bytes:
    """A fragmented MP4: its moov comes first, so a truncation keeps the index."""
    buffer = io.BytesIO()
    with av.open(
        buffer, "w", format="mp4", options={"movflags": "frag_keyframe+empty_moov"}
    ) as output:
        stream = output.add_stream("libx264", rate=10)
        stream.width, stream.height, stream.pix_fmt = 64, 48, "yuv420p"
        for pixels in flat_frames(12):
            output.mux(stream.encode(av.VideoFrame.from_ndarray(pixels, format="rgb24")))
        output.mux(stream.encode())
    return buffer.getvalue()


def truncations(rng: random.Random) -> list[HostileCase]:
    cases = []
    for label, clip in (("mp4", small_clip()), ("webm", small_clip("webm", "libvpx-vp9"))):
        for cut in sorted(rng.sample(range(12, len(clip)), 8)):
            cases.append(video_case(f"cut-{label}-{cut}", clip[:cut]))
    return cases


def bit_flips(rng: random.Random, count: int = 14) -> list[HostileCase]:
    clip = faststart_clip()
    cases = []
    for _ in range(count):
        data = bytearray(clip)
        at = rng.randrange(8, len(data))
        data[at] ^= 1 << rng.randrange(8)
        cases.append(video_case(f"flip-{at}", bytes(data)))
    return cases


def hostile_videos(seed: int = 39) -> list[HostileCase]:
    """Every hostile video case (more than 50)."""
    rng = random.Random(seed)
    return [*named_cases(), *truncations(rng), *bit_flips(rng)]
