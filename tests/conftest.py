"""Shared fixtures: where ../shared/data lives, and skipping when it is absent."""

from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = PROJECT_ROOT.parent / "shared" / "data"
CELEBA_ID = SHARED_DATA / "celeba-id"


@pytest.fixture(scope="session")
def celeba_root() -> Path:
    """../shared/data/celeba-id, or skip the test with the reason."""
    if not (CELEBA_ID / "faces.csv").is_file():
        pytest.skip(f"face photos not found at {CELEBA_ID} (../shared is absent on this machine)")
    return CELEBA_ID
