"""Response bodies of the API (the request is a multipart upload, described in the router)."""

from datetime import datetime

from pydantic import BaseModel, Field

from dfrec_contract.result import ArtifactFacts, JobResult
from dfrec_contract.status import JobStage, JobStatus
from dfrec_contract.video import JobProgress, VideoFacts


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
    video: VideoFacts | None = Field(None, description="a video's declared facts; null: a photo")


class ArtifactResponse(ArtifactFacts):
    url: str


class ResultResponse(JobResult):
    """The stored result (dfrec_contract.result) with each artifact's URL."""

    artifacts: dict[str, ArtifactResponse] = Field(
        description=JobResult.model_fields["artifacts"].description
    )


class WebhookAttemptResponse(BaseModel):
    attempt: int = Field(description="1 for the first delivery")
    at: float = Field(description="Unix time the attempt started")
    status_code: int | None = Field(description="the receiver's HTTP status; null: no answer")
    error: str | None = Field(description="why it failed (no answer, non-2xx, refused URL)")
    duration_ms: float
    outcome: str = Field(description="delivered, retrying or gave_up")


class WebhookResponse(BaseModel):
    url: str
    state: str = Field(description="pending, delivered or failed (every retry failed)")
    attempts: list[WebhookAttemptResponse]


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
    progress: JobProgress | None = Field(
        None, description="a video job's sampled frames done / total; null for a photo"
    )
    error: ErrorDetail | None
    result: ResultResponse | None
    links: dict[str, str]
    request_id: str = Field("", description="the request that submitted the job")
    webhook: WebhookResponse | None = Field(
        None, description="the callback and each delivery attempt; null without callback_url"
    )


class HealthResponse(BaseModel):
    status: str


class NotReadyResponse(ErrorResponse):
    """`/readyz` answering 503: the error body (`not_ready`) plus every dependency's check."""

    checks: dict[str, str] = Field(description='per dependency: "ok", or why it is not ready')


class ReadinessResponse(BaseModel):
    ready: bool
    checks: dict[str, str] = Field(description='per dependency: "ok", or why it is not ready')
