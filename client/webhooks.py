"""Check that a callback really comes from dfrec before acting on it.

    from client import verify_webhook
    job = verify_webhook(request.body, request.headers["Dfrec-Signature"], WEBHOOK_SECRET)

`WEBHOOK_SECRET` is the secret printed with the API key that submitted the job. Pass the raw
body bytes as received (not re-serialized JSON). Raises WebhookVerificationError when the
signature does not match or is older than `tolerance_seconds`.
"""

import json
from typing import Any

from dfrec_contract.webhooks import (
    DEFAULT_TOLERANCE_SECONDS,
    SIGNATURE_HEADER,
    WebhookVerificationError,
    verify_signature,
)

__all__ = ["SIGNATURE_HEADER", "WebhookVerificationError", "verify_webhook"]


def verify_webhook(
    body: bytes,
    signature_header: str,
    secret: str,
    *,
    tolerance_seconds: float = DEFAULT_TOLERANCE_SECONDS,
    now: float | None = None,
) -> dict[str, Any]:
    """The job summary the callback carries, once its signature holds."""
    verify_signature(body, signature_header, secret, tolerance_seconds=tolerance_seconds, now=now)
    return json.loads(body)
