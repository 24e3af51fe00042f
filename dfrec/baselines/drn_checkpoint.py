"""DRN checkpoints: weights + config + variant name, loaded strictly (dfrec.checkpoint)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from dfrec.baselines.drn import DRN
from dfrec.baselines.drn_config import DRNConfig
from dfrec.checkpoint import load_model, save_checkpoint

FORMAT = "drn-checkpoint/1"


def save_drn(model: DRN, path: Path, metadata: dict[str, Any] | None = None) -> Path:
    """Write weights + config + variant (+ free-form metadata such as training step)."""
    return save_checkpoint(model, path, metadata, checkpoint_format=FORMAT)


def load_drn(path: Path) -> tuple[DRN, dict[str, Any]]:
    """The DRN of a checkpoint in eval mode and its metadata; every weight loaded strictly."""
    return load_model(path, FORMAT, DRNConfig, DRN)
