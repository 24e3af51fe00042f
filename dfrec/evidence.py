"""Moved to dfrec_contract.evidence (standard library only, shared by worker and client)."""

from dfrec_contract.evidence import *  # noqa: F403
