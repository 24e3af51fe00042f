"""What the API and the worker agree on besides the job record: task name, statuses, codes."""

from enum import StrEnum

RECOVER_TASK_NAME = "dfrec.recover"
"""The Celery task the API sends by name; its only argument is the job id."""


class JobStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    NOT_APPLICABLE = "not_applicable"  # issue 5: no face found; not an error

    @property
    def is_terminal(self) -> bool:
        return self in TERMINAL_STATUSES


TERMINAL_STATUSES = frozenset({JobStatus.SUCCEEDED, JobStatus.FAILED, JobStatus.NOT_APPLICABLE})


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
