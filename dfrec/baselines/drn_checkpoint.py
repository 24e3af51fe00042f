"""DRN checkpoints: weights + config + variant name, loaded strictly (as dfrec.checkpoint)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch

from dfrec.baselines.drn import DRN
from dfrec.baselines.drn_config import DRNConfig
from dfrec.checkpoint import CheckpointError

FORMAT = "drn-checkpoint/1"
PAYLOAD_KEYS = ("variant", "config", "state_dict", "metadata")


def save_drn(model: DRN, path: Path, metadata: dict[str, Any] | None = None) -> Path:
    """Write weights + config + variant (+ free-form metadata such as training step)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = {
        "format": FORMAT,
        "variant": model.config.variant,
        "config": model.config.to_dict(),
        "state_dict": model.state_dict(),
        "metadata": metadata or {},
    }
    torch.save(payload, path)
    return path


def read_drn_payload(path: Path) -> dict[str, Any]:
    """The checkpoint's dict, checked for format and keys; CheckpointError otherwise."""
    if not path.is_file():
        raise CheckpointError(f"checkpoint {path} does not exist")
    try:
        payload = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as error:  # torch raises many types for a corrupt file
        raise CheckpointError(f"checkpoint {path} is not a readable torch file: {error}") from error
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        found = payload.get("format") if isinstance(payload, dict) else type(payload).__name__
        raise CheckpointError(f"checkpoint {path} has format {found!r}, expected {FORMAT!r}")
    missing = [key for key in PAYLOAD_KEYS if key not in payload]
    if missing:
        raise CheckpointError(f"checkpoint {path} lacks {', '.join(missing)}")
    return payload


def load_drn(path: Path) -> tuple[DRN, dict[str, Any]]:
    """Rebuild the DRN from the stored config and load every weight strictly.

    Returns the model in eval mode and the checkpoint's metadata.
    """
    payload = read_drn_payload(path)
    try:
        config = DRNConfig.from_dict(payload["config"])
    except (KeyError, TypeError, ValueError) as error:
        raise CheckpointError(f"checkpoint {path} has an invalid config: {error}") from error
    if config.variant != payload["variant"]:
        raise CheckpointError(
            f"checkpoint {path} says variant {payload['variant']!r} but its config is "
            f"{config.variant!r}"
        )
    model = DRN(config)
    try:
        model.load_state_dict(payload["state_dict"], strict=True)
    except RuntimeError as error:
        raise CheckpointError(
            f"checkpoint {path} does not match variant {config.variant!r}: {error}"
        ) from error
    return model.eval(), payload["metadata"]
