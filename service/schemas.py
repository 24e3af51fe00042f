"""Response bodies of the API (the request is a multipart upload, described in the router)."""

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from service.contract import JobStage, JobStatus, NotApplicableReason


class ErrorDetail(BaseModel):
    code: str = Field(description="stable machine-readable code; see service.errors")
    message: str = Field(description="for humans; do not parse")
    request_id: str = Field(
        "", description="the request that failed, or (for a job) that submitted it; in the logs"
    )


class ErrorResponse(BaseModel):
    error: ErrorDetail


class InputResponse(BaseModel):
    sha256: str = Field(description="SHA-256 of the bytes exactly as uploaded")
    format: str
    width: int
    height: int
    size_bytes: int


class ArtifactResponse(BaseModel):
    url: str
    media_type: str
    sha256: str
    width: int
    height: int


class ModelResponse(BaseModel):
    name: str
    version: str
    version_label: str
    variant: str


class FaceResponse(BaseModel):
    index: int = Field(description="0 is the largest face; faces are ordered by box area")
    status: JobStatus = Field(description="succeeded, or not_applicable (see reason)")
    reason: NotApplicableReason | None
    box: list[int] = Field(description="left, top, right, bottom in photo pixels")
    landmarks: list[list[float]] = Field(description="5 points (x, y): eyes' corners, nose")
    detection_score: float
    fake_probability: float | None = Field(None, ge=0.0, le=1.0)
    artifacts: dict[str, str] = Field(
        description="kind (crop, mask, source, target) -> name of an entry of result.artifacts"
    )


class ResultResponse(BaseModel):
    fake_probability: float | None = Field(
        ge=0.0, le=1.0, description="the most suspicious face's; null when no face was processed"
    )
    reason: NotApplicableReason | None = Field(
        None, description="why the job is not_applicable: no_face or face_too_small"
    )
    faces_detected: int = Field(description="faces found; at most DFREC_MAX_FACES are reported")
    faces: list[FaceResponse]
    model: ModelResponse
    artifacts: dict[str, ArtifactResponse] = Field(
        description="by name: face{i}_{crop,mask,source,target} per processed face; mask, "
        "source, target of the largest processed face; context_target and context_source, "
        "the photo with the recovered faces pasted back"
    )
    image_size: int = Field(description="side in pixels of the square the model worked on")
    timings_ms: dict[str, float] = Field(description="queue wait, each stage, and total")


class JobResponse(BaseModel):
    id: str
    status: JobStatus
    stage: JobStage
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    deadline_at: datetime
    attempts: int = Field(description="how many times a worker started the job")
    input: InputResponse
    error: ErrorDetail | None
    result: ResultResponse | None
    links: dict[str, str]
    request_id: str = Field("", description="the request that submitted the job")


class HealthResponse(BaseModel):
    status: str


class ReadinessResponse(BaseModel):
    ready: bool
    checks: dict[str, Any] = Field(description="per dependency: true, or why it is not ready")
