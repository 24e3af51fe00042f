"""Where a job is: its status, the legal moves between statuses, and its stage while active.

`TRANSITIONS` is the only statement of which status may follow which; the Redis scripts that
change a job (dfrec_contract.jobstore_scripts) are generated from it. A job is created
`queued`; a status with no moves out is terminal, so a finished job never changes again.
"""

from enum import StrEnum
from types import MappingProxyType


class JobStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    NOT_APPLICABLE = "not_applicable"  # no face to work on (see NotApplicableReason)

    @property
    def is_terminal(self) -> bool:
        return self in TERMINAL_STATUSES


INITIAL_STATUS = JobStatus.QUEUED

TRANSITIONS = MappingProxyType(
    {
        # running: a worker started it; failed: it could not be enqueued, its upload expired
        # or its deadline passed before a worker started it.
        JobStatus.QUEUED: frozenset({JobStatus.RUNNING, JobStatus.FAILED}),
        # running again: a redelivered or retried task starts it once more.
        JobStatus.RUNNING: frozenset(
            {JobStatus.RUNNING, JobStatus.SUCCEEDED, JobStatus.FAILED, JobStatus.NOT_APPLICABLE}
        ),
        JobStatus.SUCCEEDED: frozenset(),
        JobStatus.FAILED: frozenset(),
        JobStatus.NOT_APPLICABLE: frozenset(),
    }
)
"""Status -> the statuses it may change to."""

TERMINAL_STATUSES = frozenset(status for status, moves in TRANSITIONS.items() if not moves)


def is_legal(source: JobStatus, target: JobStatus) -> bool:
    return target in TRANSITIONS[source]


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


class JobStage(StrEnum):
    QUEUED = "queued"
    PREPROCESS = "preprocess"
    INFER = "infer"
    POSTPROCESS = "postprocess"
    STORE = "store"
    RETRY_WAIT = "retry_wait"  # Triton unreachable; the task is scheduled again with backoff
    DONE = "done"
