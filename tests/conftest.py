"""Shared fixtures: where ../shared/data lives, and skipping when it is absent; the real
service stack (tests/service_stack.py)."""

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

pytest_plugins = ["service_stack"]

PROJECT_ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = PROJECT_ROOT.parent / "shared" / "data"
CELEBA_ID = SHARED_DATA / "celeba-id"


@pytest.fixture(scope="session")
def celeba_root() -> Path:
    """../shared/data/celeba-id, or skip the test with the reason."""
    if not (CELEBA_ID / "faces.csv").is_file():
        pytest.skip(f"face photos not found at {CELEBA_ID} (../shared is absent on this machine)")
    return CELEBA_ID


@pytest.fixture(scope="session")
def portrait(celeba_root: Path) -> Callable[[int], bytes]:
    """portrait(i): the JPEG bytes of the first photo of the i-th identity (one face each)."""
    identities = sorted(path for path in celeba_root.iterdir() if path.is_dir())

    def read(index: int) -> bytes:
        return sorted(identities[index].glob("*.jpg"))[0].read_bytes()

    return read


@pytest.fixture
def smallest_run(celeba_root: Path, tmp_path: Path) -> dict[str, Any]:
    """Training-config fields of the cheapest run into tmp_path/run: steps of 2 items, a record,
    preview and checkpoint at every step, no DataLoader workers."""
    return {
        "data_root": celeba_root,
        "out_dir": tmp_path / "run",
        "steps": 1,
        "batch_size": 2,
        "items_per_epoch": 4,
        "num_workers": 0,
        "log_every": 1,
        "sample_every": 1,
        "checkpoint_every": 1,
    }
