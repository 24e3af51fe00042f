"""Checkpoints that carry their config and variant name and load strictly."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch

from dfrec.config import DFRECConfig
from dfrec.models.dfrec import DFREC
from dfrec.registry import create_config
from dfrec_contract.hashing import file_sha256

FORMAT = "dfrec-checkpoint/1"
PAYLOAD_KEYS = ("variant", "config", "state_dict", "metadata")


class CheckpointError(ValueError):
    """A checkpoint file is missing, unreadable or does not match the network it describes."""


def save_checkpoint(
    model: torch.nn.Module,
    path: Path,
    metadata: dict[str, Any] | None = None,
    checkpoint_format: str = FORMAT,
    state_dict: dict[str, torch.Tensor] | None = None,
) -> Path:
    """Write weights + config + variant (+ free-form metadata such as training step).

    model: any network with a `config` that has `variant` and `to_dict()` (DFREC, DRN, LRE);
    state_dict: the weights to store (default: all of model's)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = {
        "format": checkpoint_format,
        "variant": model.config.variant,
        "config": model.config.to_dict(),
        "state_dict": model.state_dict() if state_dict is None else state_dict,
        "metadata": metadata or {},
    }
    torch.save(payload, path)
    return path


def ship_checkpoint(source: Path, destination: Path, current_config: bool = False) -> Path:
    """Copy a trained checkpoint with floating weights stored as float16 (half the bytes; loading
    casts them back to float32, so inference stays float32 and deterministic).

    current_config: store the registry's present config of the variant instead of the one the
    run trained with (e.g. a composite option added since); refused unless every weight loads
    strictly into the network that config builds."""
    payload = read_payload(source)
    if current_config:
        config = create_config(payload["variant"])
        try:
            DFREC(config).load_state_dict(payload["state_dict"], strict=True)
        except RuntimeError as error:
            raise CheckpointError(
                f"{source}: weights do not fit the current {payload['variant']!r} config: {error}"
            ) from error
        if config.to_dict() != payload["config"]:  # the first config recorded is the trained one
            trained = payload["metadata"].get("trained_config", payload["config"])
            payload["metadata"] = {**payload["metadata"], "trained_config": trained}
        payload["config"] = config.to_dict()
    return save_half(payload, source, destination)


def save_half(payload: dict[str, Any], source: Path, destination: Path) -> Path:
    """Write a checkpoint payload read from `source` with its floating weights as float16 (half
    the bytes; loading casts them back to float32), noting where it was shipped from."""
    payload["state_dict"] = {
        name: tensor.half() if tensor.is_floating_point() else tensor
        for name, tensor in payload["state_dict"].items()
    }
    payload["metadata"] = {
        **payload["metadata"],
        "stored_as": "float16",
        "shipped_from": source.name,
    }
    destination.parent.mkdir(parents=True, exist_ok=True)
    torch.save(payload, destination)
    return destination


def init_checkpoint(variant: str, path: Path, seed: int = 0) -> Path:
    """A checkpoint of randomly initialised weights (until trained weights exist)."""
    torch.manual_seed(seed)
    return save_checkpoint(DFREC(create_config(variant)), path, {"trained": False, "seed": seed})


def read_payload(path: Path, checkpoint_format: str = FORMAT) -> dict[str, Any]:
    """The checkpoint's dict, checked for format and keys; CheckpointError otherwise."""
    if not path.is_file():
        raise CheckpointError(f"checkpoint {path} does not exist")
    try:
        payload = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as error:  # torch raises many types for a corrupt file
        raise CheckpointError(f"checkpoint {path} is not a readable torch file: {error}") from error
    if not isinstance(payload, dict) or payload.get("format") != checkpoint_format:
        found = payload.get("format") if isinstance(payload, dict) else type(payload).__name__
        raise CheckpointError(
            f"checkpoint {path} has format {found!r}, expected {checkpoint_format!r}"
        )
    missing = [key for key in PAYLOAD_KEYS if key not in payload]
    if missing:
        raise CheckpointError(f"checkpoint {path} lacks {', '.join(missing)}")
    return payload


def load_model(
    path: Path, checkpoint_format: str, config_type: Any, model_type: Any
) -> tuple[Any, dict[str, Any]]:
    """Rebuild `model_type(config_type.from_dict(stored config))` and load every weight
    strictly. Returns the model in eval mode and the checkpoint's metadata."""
    payload = read_payload(path, checkpoint_format)
    try:
        config = config_type.from_dict(payload["config"])
    except (KeyError, TypeError, ValueError) as error:
        raise CheckpointError(f"checkpoint {path} has an invalid config: {error}") from error
    if config.variant != payload["variant"]:
        raise CheckpointError(
            f"checkpoint {path} says variant {payload['variant']!r} but its config is "
            f"{config.variant!r}"
        )
    model = model_type(config)
    try:
        model.load_state_dict(payload["state_dict"], strict=True)
    except RuntimeError as error:
        raise CheckpointError(
            f"checkpoint {path} does not match variant {config.variant!r}: {error}"
        ) from error
    return model.eval(), payload["metadata"]


def load_checkpoint(path: Path) -> tuple[DFREC, dict[str, Any]]:
    """The DFREC network of a checkpoint (eval mode) and its metadata; strict."""
    return load_model(path, FORMAT, DFRECConfig, DFREC)


def version_label(path: Path) -> str:
    """`<variant>-<first 12 hex of the file's SHA-256>`: what results report as model version."""
    return f"{read_payload(path)['variant']}-{file_sha256(path)[:12]}"
