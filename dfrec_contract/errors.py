"""Codes of a failed job's `error.code` (HTTP error codes are the API's: service.errors)."""

from enum import StrEnum


class JobErrorCode(StrEnum):
    """
    | code               | meaning                                                           |
    |--------------------|-------------------------------------------------------------------|
    | triton_unavailable | Triton (or the ensemble) stayed unreachable through every retry   |
    | inference_failed   | Triton answered with an error for this input (not retried)        |
    | input_expired      | the stored upload expired before a worker picked the job up        |
    | timeout            | the job passed its hard deadline without finishing                |
    | internal_error     | an unexpected worker error, or the job could not be enqueued      |
    """

    TRITON_UNAVAILABLE = "triton_unavailable"
    INFERENCE_FAILED = "inference_failed"
    INPUT_EXPIRED = "input_expired"
    TIMEOUT = "timeout"
    INTERNAL_ERROR = "internal_error"
