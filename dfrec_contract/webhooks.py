"""Job callbacks: where they may go, and the signature that proves they came from dfrec.

Standard library only: the API checks a `callback_url` when a job is submitted, the worker
checks it again and signs each delivery, the client (`client.verify_webhook`) verifies.

Signature header (as Stripe does it), over the exact request body:

    Dfrec-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>

The secret is the submitting API key's webhook secret (shown when the key is created). A
receiver recomputes the HMAC, compares in constant time and refuses a timestamp older than its
tolerance (default 5 minutes), so a captured delivery cannot be replayed later. The body names
the job (`id`), so a receiver can also drop a delivery it has already handled.

Where a callback may go: in production only `https://` URLs whose host resolves to public
addresses only (no private, loopback, link-local, multicast, reserved or unspecified address),
checked when the job is submitted and again before each delivery. Other modes also accept
`http://` and local addresses (tests and local runs call a receiver on 127.0.0.1).
"""

import hashlib
import hmac
import ipaddress
import socket
import time
from urllib.parse import urlsplit

SIGNATURE_HEADER = "Dfrec-Signature"
EVENT_HEADER = "Dfrec-Event"
EVENT_JOB_FINISHED = "job.finished"
DEFAULT_TOLERANCE_SECONDS = 300
MAX_URL_LENGTH = 2048


class WebhookVerificationError(Exception):
    """The delivery is not signed by the given secret, or too old."""


class CallbackUrlError(ValueError):
    """The callback URL is not acceptable (the message says why, without resolving details)."""


def signature_header(secret: str, body: bytes, timestamp: int) -> str:
    digest = hmac.new(secret.encode("utf-8"), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={digest.hexdigest()}"


def verify_signature(
    body: bytes,
    header: str,
    secret: str,
    *,
    tolerance_seconds: float = DEFAULT_TOLERANCE_SECONDS,
    now: float | None = None,
) -> int:
    """The delivery's timestamp when `header` signs `body` with `secret` within the tolerance;
    WebhookVerificationError otherwise."""
    parts: dict[str, list[str]] = {}
    for item in (header or "").split(","):
        name, _, value = item.strip().partition("=")
        parts.setdefault(name, []).append(value)
    try:
        timestamp = int(parts["t"][0])
    except (KeyError, ValueError) as error:
        raise WebhookVerificationError("no timestamp in the signature header") from error
    if not parts.get("v1"):
        raise WebhookVerificationError("no v1 signature in the signature header")
    expected = signature_header(secret, body, timestamp).split("v1=", 1)[1]
    if not any(hmac.compare_digest(expected, candidate) for candidate in parts["v1"]):
        raise WebhookVerificationError("the signature does not match the body")
    now = time.time() if now is None else now
    if abs(now - timestamp) > tolerance_seconds:
        raise WebhookVerificationError(
            f"the timestamp is {abs(now - timestamp):.0f} s away (tolerance {tolerance_seconds} s)"
        )
    return timestamp


def _is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return ip.is_global and not (ip.is_multicast or ip.is_reserved or ip.is_unspecified)


def resolve(host: str, port: int) -> list[str]:
    """Every address `host` resolves to (one DNS lookup)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return sorted({info[4][0] for info in infos})


def check_callback_url(url: str, *, production: bool) -> str:
    """`url` when it may be called back; CallbackUrlError otherwise. In production the host is
    resolved here and every address it resolves to must be public."""
    if len(url) > MAX_URL_LENGTH:
        raise CallbackUrlError(f"callback_url is longer than {MAX_URL_LENGTH} characters")
    parts = urlsplit(url)
    allowed = ("https",) if production else ("https", "http")
    if parts.scheme not in allowed:
        raise CallbackUrlError(f"callback_url must be {' or '.join(allowed)}")
    if not parts.hostname or parts.username or parts.password:
        raise CallbackUrlError("callback_url needs a host and no user:password part")
    if not production:
        return url
    try:
        port = parts.port or 443
        addresses = resolve(parts.hostname, port)
    except (OSError, ValueError) as error:
        raise CallbackUrlError("callback_url's host does not resolve") from error
    if not addresses or not all(_is_public(address) for address in addresses):
        raise CallbackUrlError(
            "callback_url resolves to a private, loopback, link-local or reserved address"
        )
    return url
