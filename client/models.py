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


class JobResult(ApiModel):
    fake_probability: float | None
    reason: str | None = None
    faces_detected: int = 0
    faces: list[Face] = []
    model: ModelInfo
    artifacts: dict[str, Artifact]
    image_size: int
    timings_ms: dict[str, float]
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

    @property
    def finished(self) -> bool:
        return self.status.is_terminal
