"""Moved to dfrec_contract.noise (torch-free, shared with the worker); kept for dfrec's imports."""

from dfrec_contract.noise import *  # noqa: F403
