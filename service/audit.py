"""One audit line per admin action: appended to the Redis audit list (dfrec_contract.apikeys,
`python -m service.admin audit` prints it) and written to stderr, where the process's log
collector picks it up. Lines name keys by their id, never the key or its secret."""

import sys

from dfrec_contract.apikeys import KeyStore


def audit(keys: KeyStore, actor: str, action: str, **details: object) -> str:
    line = keys.audit(actor, action, **details)
    print(f"dfrec audit {line}", file=sys.stderr, flush=True)
    return line
