"""Codes of a failed job's `error.code` (HTTP error codes are the API's: service.errors)."""

from enum import StrEnum


class JobErrorCode(StrEnum):
    """Why a job failed; `JOB_ERRORS` says what each means."""

    TRITON_UNAVAILABLE = "triton_unavailable"
    INFERENCE_FAILED = "inference_failed"
    INPUT_EXPIRED = "input_expired"
    TIMEOUT = "timeout"
    INTERNAL_ERROR = "internal_error"


JOB_ERRORS: dict[JobErrorCode, str] = {
    JobErrorCode.TRITON_UNAVAILABLE: "Triton (or the ensemble) stayed unreachable through every "
    "retry",
    JobErrorCode.INFERENCE_FAILED: "Triton answered with an error for this input (not retried)",
    JobErrorCode.INPUT_EXPIRED: "the stored upload expired before a worker picked the job up",
    JobErrorCode.TIMEOUT: "the job passed its hard deadline without finishing",
    JobErrorCode.INTERNAL_ERROR: "an unexpected worker error, or the job could not be enqueued",
}
"""The one table of job error codes and their meaning (the documentation's is generated)."""
