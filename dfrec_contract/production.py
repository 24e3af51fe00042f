"""What production mode refuses: service addresses on this machine and guessable secrets.

Shared by the API's and the worker's settings (standard library only).
"""

import collections
import ipaddress
import math
import zlib
from urllib.parse import urlsplit

LOCAL_HOSTNAMES = frozenset({"localhost", "localhost.localdomain", "ip6-localhost"})
MIN_KEY_ENTROPY_BITS = 160
"""`openssl rand -hex 32` estimates at about 240 bits, a repeated 16-character pattern at 150,
32 spaces at 0."""


def host_of(address: str) -> str:
    """The host of a URL (`redis://h:6379/0`) or of a bare `host:port` (gRPC)."""
    return urlsplit(address if "://" in address else f"//{address}").hostname or ""


def is_local_host(host: str) -> bool:
    """localhost, a loopback address, or the unspecified address (0.0.0.0, ::)."""
    if host.lower() in LOCAL_HOSTNAMES or not host:
        return True
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        return False
    return ip.is_loopback or ip.is_unspecified


def local_address_problems(addresses: dict[str, str]) -> list[str]:
    """One line per variable whose address points at this machine."""
    return [
        f"{name} points at this machine ({host_of(address) or 'no host'}); "
        "production services must be addressed by name"
        for name, address in addresses.items()
        if is_local_host(host_of(address))
    ]


def entropy_bits(secret: str) -> float:
    """A cautious estimate: the smaller of the Shannon content of its characters and the size
    zlib squeezes it into, so repeated patterns count as little as repeated characters."""
    if not secret:
        return 0.0
    counts = collections.Counter(secret)
    shannon = -sum(n * math.log2(n / len(secret)) for n in counts.values())
    compressed = 8 * max(0, len(zlib.compress(secret.encode("utf-8"), 9)) - 8)
    return min(shannon, compressed)


def key_problems(name: str, key: str, public_keys: tuple[str, ...]) -> list[str]:
    """Why `key` is not a production secret (empty when it is)."""
    normalized = key.strip().lower()
    if any(public.lower() in normalized for public in public_keys):
        return [f"{name} contains the public development key"]
    bits = entropy_bits(key)
    if bits < MIN_KEY_ENTROPY_BITS:
        return [
            f"{name} is guessable (about {bits:.0f} bits, need {MIN_KEY_ENTROPY_BITS}); "
            "use e.g. `openssl rand -hex 32`"
        ]
    return []
