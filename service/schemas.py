"""Response bodies of the API (the request is a multipart upload, described in the router)."""

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from service.contract import JobStage, JobStatus


class ErrorDetail(BaseModel):
    code: str = Field(description="stable machine-readable code; see service.errors")
    message: str = Field(description="for humans; do not parse")


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


class ResultResponse(BaseModel):
    fake_probability: float = Field(ge=0.0, le=1.0)
    model: ModelResponse
    artifacts: dict[str, ArtifactResponse] = Field(
        description="by name: mask (source-identity probability), source, target"
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


class HealthResponse(BaseModel):
    status: str


class ReadinessResponse(BaseModel):
    ready: bool
    checks: dict[str, Any] = Field(description="per dependency: true, or why it is not ready")
