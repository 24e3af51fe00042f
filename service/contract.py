"""What the API and the worker agree on besides the job record: task name, statuses, codes."""

from enum import StrEnum

RECOVER_TASK_NAME = "dfrec.recover"
"""The Celery task the API sends by name; its only argument is the job id."""


class JobStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    NOT_APPLICABLE = "not_applicable"  # no face to work on (see NotApplicableReason)

    @property
    def is_terminal(self) -> bool:
        return self in TERMINAL_STATUSES


TERMINAL_STATUSES = frozenset({JobStatus.SUCCEEDED, JobStatus.FAILED, JobStatus.NOT_APPLICABLE})


class NotApplicableReason(StrEnum):
    """Why a job (or one face of it) is `not_applicable`: the photo is fine, there is nothing
    the model can be run on. Not an error.

    | reason         | meaning                                                           |
    |----------------|-------------------------------------------------------------------|
    | no_face        | no face was detected in the photo                                 |
    | face_too_small | the face box is below DFREC_MIN_FACE_SIZE (the job: every face is) |
    """

    NO_FACE = "no_face"
    FACE_TOO_SMALL = "face_too_small"


EVIDENCE_ARTIFACT = "evidence"
"""Name under which the worker stores a job's signed evidence manifest (JSON) with the artifacts;
served by GET /jobs/{id}/evidence, not listed among the result's images."""


class JobStage(StrEnum):
    QUEUED = "queued"
    PREPROCESS = "preprocess"
    INFER = "infer"
    POSTPROCESS = "postprocess"
    STORE = "store"
    RETRY_WAIT = "retry_wait"  # Triton unreachable; the task is scheduled again with backoff
    DONE = "done"


class JobErrorCode(StrEnum):
    """Codes of a failed job's `error.code`.

    | code               | meaning                                                           |
    |--------------------|-------------------------------------------------------------------|
    | triton_unavailable | Triton (or the ensemble) stayed unreachable through every retry   |
    | inference_failed   | Triton answered with an error for this input (not retried)        |
    | input_expired      | the stored upload expired before a worker picked the job up        |
    | timeout            | the job passed its hard deadline without finishing                |
    | internal_error     | an unexpected worker error (a bug)                                |
    """

    TRITON_UNAVAILABLE = "triton_unavailable"
    INFERENCE_FAILED = "inference_failed"
    INPUT_EXPIRED = "input_expired"
    TIMEOUT = "timeout"
    INTERNAL_ERROR = "internal_error"
