"""`dfrec export`: checkpoint -> Triton model repository (ism, sirm, tirm, dfrec ensemble)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from dfrec.checkpoint import load_checkpoint, version_label
from dfrec.export.triton_config import ENSEMBLE_NAME, MODEL_VERSION, ensemble_config, model_config
from dfrec.export.wrappers import serving_models, trace
from dfrec_contract.hashing import file_sha256

PYTHON_MODEL = Path(__file__).resolve().parents[1] / "triton" / "python_model.py"
TARGETS = ("cpu", "gpu")


def export_repository(
    checkpoint: Path, out_dir: Path, target: str = "cpu", max_batch_size: int = 8
) -> Path:
    """Write `out_dir/{ism,sirm,tirm,dfrec}`; both targets hold the same TorchScript weights.

    gpu: `pytorch_libtorch` models for the stock Triton image; cpu: python-backend models that
    load the TorchScript file with torch, for the Triton binary in the nvidia-pytriton wheel.
    """
    if target not in TARGETS:
        raise ValueError(f"unknown target {target!r}; choose one of {TARGETS}")
    model, metadata = load_checkpoint(checkpoint)
    label = version_label(checkpoint)
    parameters = {"variant": model.config.variant, "version_label": label}
    models = serving_models(model)
    out_dir.mkdir(parents=True, exist_ok=True)
    for serving in models:
        model_dir = out_dir / serving.name
        if model_dir.exists():
            shutil.rmtree(model_dir)
        version_dir = model_dir / str(MODEL_VERSION)
        version_dir.mkdir(parents=True)
        trace(serving).save(str(version_dir / "model.pt"))
        if target == "cpu":
            shutil.copyfile(PYTHON_MODEL, version_dir / "model.py")
        (model_dir / "config.pbtxt").write_text(
            model_config(serving, target, max_batch_size, parameters)
        )
    ensemble_dir = out_dir / ENSEMBLE_NAME
    if ensemble_dir.exists():
        shutil.rmtree(ensemble_dir)
    (ensemble_dir / str(MODEL_VERSION)).mkdir(parents=True)
    (ensemble_dir / "config.pbtxt").write_text(ensemble_config(models, max_batch_size, parameters))
    manifest = {
        "variant": model.config.variant,
        "version_label": label,
        "target": target,
        "checkpoint": checkpoint.name,
        "checkpoint_sha256": file_sha256(checkpoint),
        "checkpoint_metadata": metadata,
        "config": model.config.to_dict(),
    }
    (out_dir / "export.json").write_text(json.dumps(manifest, indent=2) + "\n")
    return out_dir
