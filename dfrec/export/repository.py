"""`dfrec export`: checkpoint(s) -> Triton model repository (ism, sirm, tirm, and lre when an
LRE checkpoint is given; the dfrec ensemble over them)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from dfrec.checkpoint import load_checkpoint, version_label
from dfrec.export.onnx_export import OPSET, export_onnx
from dfrec.export.tensorrt_shapes import PLANS_FILE, plans_text
from dfrec.export.triton_config import ENSEMBLE_NAME, MODEL_VERSION, ensemble_config, model_config
from dfrec.export.wrappers import ServingModel, lre_serving_model, serving_models, trace
from dfrec_contract.hashing import file_sha256

PYTHON_MODEL = Path(__file__).resolve().parents[1] / "triton" / "python_model.py"
TARGETS = ("cpu", "gpu")
TENSORRT_CONFIG = "tensorrt"  # configs/tensorrt.pbtxt, chosen by --model-config-name=tensorrt


def write_cpu_model(serving: ServingModel, model_dir: Path, config: dict) -> None:
    """TorchScript `model.pt` + the python-backend `model.py`."""
    version_dir = model_dir / str(MODEL_VERSION)
    trace(serving).save(str(version_dir / "model.pt"))
    shutil.copyfile(PYTHON_MODEL, version_dir / "model.py")
    (model_dir / "config.pbtxt").write_text(model_config(serving, "python", **config))


def write_gpu_model(serving: ServingModel, model_dir: Path, config: dict) -> None:
    """`model.onnx` served by onnxruntime (config.pbtxt) or, once `docker/build-plans.sh` has
    turned it into `model.plan`, by TensorRT (configs/tensorrt.pbtxt)."""
    export_onnx(serving, model_dir / str(MODEL_VERSION) / "model.onnx", config["max_batch_size"])
    (model_dir / "config.pbtxt").write_text(model_config(serving, "onnxruntime", **config))
    (model_dir / "configs").mkdir()
    (model_dir / "configs" / f"{TENSORRT_CONFIG}.pbtxt").write_text(
        model_config(serving, "tensorrt", **config)
    )


def fresh_dir(path: Path) -> Path:
    if path.exists():
        shutil.rmtree(path)
    path.mkdir(parents=True)
    return path


def export_repository(
    checkpoint: Path,
    out_dir: Path,
    target: str = "cpu",
    max_batch_size: int = 8,
    lre_checkpoint: Path | None = None,
) -> Path:
    """Write `out_dir/{ism,sirm,tirm,dfrec}` (plus `lre` for an LRE checkpoint of the same
    image size, whose score and heat map the ensemble then also returns) and `export.json`.

    cpu: python-backend models running TorchScript, for the Triton binary in the nvidia-pytriton
    wheel. gpu: ONNX (opset OPSET) for the stock Triton image's onnxruntime backend, plus the
    TensorRT configs and `tensorrt_plans.txt` (trtexec shapes) for the FP16 plans.
    """
    if target not in TARGETS:
        raise ValueError(f"unknown target {target!r}; choose one of {TARGETS}")
    model, metadata = load_checkpoint(checkpoint)
    label = version_label(checkpoint)
    config = {
        "max_batch_size": max_batch_size,
        "parameters": {"variant": model.config.variant, "version_label": label},
    }
    models = serving_models(model)
    lre_facts = None
    if lre_checkpoint is not None:
        from dfrec.lre.checkpoint import load_lre

        lre, lre_metadata = load_lre(lre_checkpoint)
        if lre.config.image_size != model.config.geometry.image_size:
            raise ValueError(
                f"LRE {lre.config.variant!r} works on {lre.config.image_size} px faces, DFREC "
                f"{model.config.variant!r} on {model.config.geometry.image_size} px: export "
                "checkpoints of one image size"
            )
        models.append(lre_serving_model(lre))
        lre_facts = {
            "variant": lre.config.variant,
            "checkpoint": lre_checkpoint.name,
            "checkpoint_sha256": file_sha256(lre_checkpoint),
            "checkpoint_metadata": lre_metadata,
            "config": lre.config.to_dict(),
        }
    else:
        stale = out_dir / "lre"
        if stale.exists():
            shutil.rmtree(stale)
    out_dir.mkdir(parents=True, exist_ok=True)
    write_model = write_gpu_model if target == "gpu" else write_cpu_model
    for serving in models:
        model_dir = fresh_dir(out_dir / serving.name)
        (model_dir / str(MODEL_VERSION)).mkdir()
        write_model(serving, model_dir, config)
    ensemble_dir = fresh_dir(out_dir / ENSEMBLE_NAME)
    (ensemble_dir / str(MODEL_VERSION)).mkdir()
    (ensemble_dir / "config.pbtxt").write_text(ensemble_config(models, **config))
    plans = out_dir / PLANS_FILE
    if target == "gpu":
        plans.write_text(plans_text(models, max_batch_size))
    elif plans.exists():
        plans.unlink()
    manifest = {
        "variant": model.config.variant,
        "version_label": label,
        "target": target,
        "onnx_opset": OPSET if target == "gpu" else None,
        "checkpoint": checkpoint.name,
        "checkpoint_sha256": file_sha256(checkpoint),
        "checkpoint_metadata": metadata,
        "config": model.config.to_dict(),
        "lre": lre_facts,
    }
    (out_dir / "export.json").write_text(json.dumps(manifest, indent=2) + "\n")
    return out_dir
