"""Why a job stopped, as exceptions carrying the job error code reported to the client."""

from dfrec_contract.errors import JobErrorCode


class JobFailure(Exception):
    """A failure that ends the job now (not retried)."""

    code: JobErrorCode = JobErrorCode.INTERNAL_ERROR


class InputExpired(JobFailure):
    code = JobErrorCode.INPUT_EXPIRED


class InferenceFailed(JobFailure):
    code = JobErrorCode.INFERENCE_FAILED


class TritonUnavailable(Exception):
    """Triton or the ensemble cannot be reached or is not ready: the task retries with backoff,
    and after the last retry the job fails with `triton_unavailable`."""

    code = JobErrorCode.TRITON_UNAVAILABLE
