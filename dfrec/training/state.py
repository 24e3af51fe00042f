"""Resumable training state: weights, optimizer, step, loss history and every RNG."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch

STATE_FILE = "train_state.pt"


@dataclass
class TrainingState:
    step: int = 0
    history: list[dict[str, float]] = field(default_factory=list)


def save_state(
    path: Path,
    model: torch.nn.Module,
    optimizer: torch.optim.Optimizer,
    state: TrainingState,
    run_config: dict[str, Any],
) -> None:
    """Atomic write (temp file + rename): a run cut off mid-save keeps the previous state."""
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = {
        "model": model.state_dict(),
        "optimizer": optimizer.state_dict(),
        "step": state.step,
        "history": state.history,
        "run_config": run_config,
        "rng": {
            "torch": torch.get_rng_state(),
            "numpy": np.random.get_state(),
            "python": random.getstate(),
        },
    }
    temporary = path.with_suffix(".tmp")
    torch.save(payload, temporary)
    temporary.replace(path)


def load_state(
    path: Path, model: torch.nn.Module, optimizer: torch.optim.Optimizer
) -> TrainingState:
    """Restore weights (strictly), optimizer, RNGs; return step and history."""
    payload = torch.load(path, map_location="cpu", weights_only=False)
    model.load_state_dict(payload["model"], strict=True)
    optimizer.load_state_dict(payload["optimizer"])
    torch.set_rng_state(payload["rng"]["torch"])
    np.random.set_state(payload["rng"]["numpy"])
    random.setstate(payload["rng"]["python"])
    return TrainingState(step=payload["step"], history=payload["history"])
