"""Python client of the dfrec service: submit a photo, wait for the job, download the results.

    from client import DfrecClient
    with DfrecClient("http://localhost:8080", api_key="dfk_...") as dfrec:
        job = dfrec.wait(dfrec.submit("group.jpg").id)
        dfrec.download(job, "out/")

`AsyncDfrecClient` has the same methods as coroutines. Both back off on `Retry-After` and
retry a submit with one Idempotency-Key. `verify_webhook` checks a callback's signature.
CLI: `python -m client --help`.
"""

from client.async_client import AsyncDfrecClient
from client.errors import ApiError, ArtifactMismatch, JobTimeout
from client.models import Artifact, Face, Job, JobResult
from client.sync_client import DfrecClient
from client.webhooks import WebhookVerificationError, verify_webhook

__all__ = [
    "ApiError",
    "Artifact",
    "ArtifactMismatch",
    "AsyncDfrecClient",
    "DfrecClient",
    "Face",
    "Job",
    "JobResult",
    "JobTimeout",
    "WebhookVerificationError",
    "verify_webhook",
]
