"""Typed views of the API's answers. Unknown fields are ignored, so newer servers still parse."""

from datetime import datetime

from pydantic import BaseModel, ConfigDict

from dfrec_contract.galleries import FaceGalleryMatches
from dfrec_contract.status import JobStatus


class ApiModel(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class Artifact(ApiModel):
    url: str
    media_type: str
    sha256: str
    width: int
    height: int


class Face(ApiModel):
    index: int
    status: JobStatus
    reason: str | None
    box: list[int]
    landmarks: list[list[float]]
    detection_score: float
    fake_probability: float | None
    lre_fake_probability: float | None = None
    """the second detector's opinion (LRE); None when the server does not deploy LRE"""
    artifacts: dict[str, str]
    """kind (crop, mask, source, target; heatmap with LRE) -> artifact name in
    JobResult.artifacts"""

    @property
    def heatmap(self) -> str | None:
        """Name of this face's LRE heat-map artifact (bright = does not rebuild), if any."""
        return self.artifacts.get("heatmap")


class ModelInfo(ApiModel):
    name: str
    version: str
    version_label: str
    variant: str


class TrackPoint(ApiModel):
    frame: int
    time_seconds: float
    box: list[int]
    fake_probability: float
    lre_fake_probability: float | None = None
    smoothed: float


class Track(ApiModel):
    """One person across a video's sampled frames (docs/videos.md)."""

    id: int
    frames_seen: int
    first_seconds: float
    last_seconds: float
    fake_probability: float
    """the verdict score: mean of the most suspicious third of the track's frames"""
    verdict: str
    timeline: list[TrackPoint]
    suspicious_frames: list[int]
    best_frame: int
    artifacts: dict[str, str]
    """kind (crop, mask, source, target; heatmap with LRE) -> artifact name"""


class Progress(ApiModel):
    frames_done: int
    frames_total: int


class JobResult(ApiModel):
    fake_probability: float | None
    reason: str | None = None
    faces_detected: int = 0
    faces: list[Face] = []
    model: ModelInfo
    artifacts: dict[str, Artifact]
    image_size: int
    timings_ms: dict[str, float]
    tracks: list[Track] | None = None
    """a video's people; None for a photo"""
    video: dict | None = None
    """a video's decoding, batching and chunks (docs/videos.md)"""
    gallery_matches: list[FaceGalleryMatches] | None = None
    """With `galleries` on the job: per face, the closest people to the raw face, the
    recovered source and the recovered target."""

    @property
    def context_heatmap(self) -> Artifact | None:
        """The photo with every face's LRE heat map laid over it, if LRE is deployed."""
        return self.artifacts.get("context_heatmap")


class InputInfo(ApiModel):
    sha256: str
    format: str
    width: int
    height: int
    size_bytes: int
    video: dict | None = None
    """a video's declared facts; None for a photo"""


class ErrorInfo(ApiModel):
    code: str
    message: str


class Job(ApiModel):
    id: str
    status: JobStatus
    stage: str
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    attempts: int
    input: InputInfo
    error: ErrorInfo | None
    result: JobResult | None
    links: dict[str, str]
    progress: Progress | None = None
    """a running video's sampled frames done / total"""

    @property
    def finished(self) -> bool:
        return self.status.is_terminal
