"""The job record: what Redis holds about one job (dfrec_contract.jobstore reads and writes it)."""

from pydantic import ConfigDict
from pydantic.dataclasses import dataclass

from dfrec_contract.result import JobResult
from dfrec_contract.status import JobStage, JobStatus
from dfrec_contract.video import JobProgress, VideoFacts

STRICT_FIELDS = ConfigDict(extra="forbid")


@dataclass(frozen=True, config=STRICT_FIELDS)
class InputFacts:
    """What the API learned about the upload. sha256 is of the bytes exactly as uploaded."""

    sha256: str
    format: str
    width: int
    height: int
    size_bytes: int
    video: VideoFacts | None = None
    """Set for a video upload (width and height are then the upright frame's)."""


@dataclass(frozen=True, config=STRICT_FIELDS)
class JobError:
    code: str
    message: str


@dataclass(frozen=True, config=STRICT_FIELDS)
class JobRecord:
    id: str
    status: JobStatus
    stage: JobStage
    created_at: float
    deadline_at: float
    started_at: float | None
    finished_at: float | None
    attempts: int
    input: InputFacts
    error: JobError | None
    result: JobResult | None
    request_id: str = ""
    """The id of the request that submitted the job (see service.request_context)."""
    tenant: str = ""
    """The tenant of the API key that submitted the job: only its keys can read the job."""
    api_key_id: str = ""
    """The id (digest prefix) of that key; its webhook secret signs the job's callback."""
    callback_url: str = ""
    """Where the worker posts the job summary once it has finished ("" = no callback)."""
    progress: JobProgress | None = None
    """A video job's sampled frames done / total while it runs (None for photos)."""
    galleries: tuple[str, ...] = ()
    """The submitter's galleries every face is searched in (dfrec_contract.galleries)."""

    def is_overdue(self, now: float) -> bool:
        return not self.status.is_terminal and now > self.deadline_at
