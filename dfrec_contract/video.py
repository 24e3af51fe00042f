"""What API and worker agree on about a video job: the upload's facts (from the container's
headers), its progress, and the per-person result (`result.tracks[]`).

A video job's result is a JobResult whose `faces` is empty and whose `tracks` and `video` are
set; a photo job's `tracks` and `video` are null. Artifact names of a video job (each served as
`<name>.png`, built by worker.video_results):
    track{i}_crop, track{i}_mask, track{i}_source, track{i}_target   each track's best frame
    track{i}_heatmap                    LRE's heat map of that frame (when LRE is deployed)
    contact_sheet                       one row per track: best crop, recovered source and
                                        target, and the smoothed timeline
    preview (served as preview.mp4)     the sampled frames with every tracked face boxed and
                                        scored (H.264)
"""

from pydantic import BaseModel, ConfigDict, Field
from pydantic.dataclasses import dataclass

STRICT_FIELDS = ConfigDict(extra="forbid")


@dataclass(frozen=True, config=STRICT_FIELDS)
class VideoFacts:
    """The container's claims, checked against the limits before any frame was decoded."""

    container: str
    codec: str
    duration_seconds: float
    frame_rate: float
    declared_frames: int
    rotation: int
    """Degrees counter-clockwise the display matrix turns the coded frames (0, 90, 180, 270)."""
    stored_as: str
    """The file name in the shared video storage directory (settings.video_storage_dir)."""


@dataclass(frozen=True, config=STRICT_FIELDS)
class JobProgress:
    """How far a running video job is: sampled frames done of the frames it will sample."""

    frames_done: int
    frames_total: int


class VideoModel(BaseModel):
    model_config = ConfigDict(extra="forbid")


class TrackPoint(VideoModel):
    frame: int = Field(description="index of the decoded frame in the video (0 is the first)")
    time_seconds: float = Field(description="its presentation time")
    box: list[int] = Field(description="left, top, right, bottom in upright frame pixels")
    fake_probability: float = Field(ge=0.0, le=1.0)
    lre_fake_probability: float | None = Field(None, ge=0.0, le=1.0)
    smoothed: float = Field(
        ge=0.0, le=1.0, description="centred moving mean of fake_probability over the track"
    )


class TrackReport(VideoModel):
    id: int = Field(description="0 is the track seen in the most sampled frames")
    frames_seen: int = Field(description="sampled frames in which this face was found")
    first_seconds: float
    last_seconds: float
    fake_probability: float = Field(
        ge=0.0,
        le=1.0,
        description="the verdict score: mean of the most suspicious third of the track's "
        "per-frame probabilities (at least one frame)",
    )
    verdict: str = Field(description="fake when fake_probability >= the threshold, else real")
    timeline: list[TrackPoint]
    suspicious_frames: list[int] = Field(
        description="indices of the frames with the highest fake probability, highest first"
    )
    best_frame: int = Field(
        description="the frame recovered from: the sharpest, most frontal face of the track"
    )
    artifacts: dict[str, str] = Field(
        description="kind (crop, mask, source, target, heatmap with LRE) -> artifact name"
    )


class ChunkReport(VideoModel):
    index: int
    first_seconds: float = Field(description="where the chunk's sampling starts")
    end_seconds: float | None = Field(description="where the next chunk starts; null: the end")
    worker: str = Field(description="the Celery worker (node name) that processed the chunk")
    frames_sampled: int
    faces_processed: int


class VideoSummary(VideoModel):
    frames_decoded: int = Field(description="frames decoded to reach the sampled ones")
    frames_sampled: int
    sample_fps: float
    faces_processed: int
    tracks_found: int = Field(description="tracks linked; at most DFREC_VIDEO_MAX_TRACKS kept")
    verdict_threshold: float
    inference_batches: list[int] = Field(description="faces per request sent to Triton")
    decode_error: str | None = Field(
        None, description="why decoding stopped before the end (a damaged stream); else null"
    )
    chunks: list[ChunkReport] = Field(
        description="the parts of the video processed apart (by several workers), in order"
    )
