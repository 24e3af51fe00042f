"""The cross-forgery table (the paper's Table IV): one DFREC model (and / or one LRE detector)
per synthesizer, each tested on its own synthesizer's fakes and on the other's, on clean inputs
of the test identities."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tqdm import tqdm

from dfrec.checkpoint import load_checkpoint, version_label
from dfrec.evaluation.aggregate import FeatureCache, build_galleries
from dfrec.evaluation.degradations import CLEAN
from dfrec.evaluation.methods import DFRECMethod, LREMethod, Method, NoRecovery
from dfrec.evaluation.report import TOP, main_columns, markdown_table, write_json
from dfrec.evaluation.runner import method_rows
from dfrec.evaluation.samples import SYNTHESIZERS, load_test_data
from dfrec.pipeline import Recoverer

CROSS_COLUMNS = main_columns(
    "target_judge_top1",
    "source_judge_top1",
    "target_idsim_tight",
    "source_idsim_tight",
    "mask_iou",
    "target_idsim",
    "source_idsim",
    "target_judge_verified",
    "source_judge_verified",
    "acc_id",
    "auc",
    f"mask_iou_{TOP}",
    f"heatmap_iou_{TOP}",
)


@dataclass(frozen=True)
class CrossOptions:
    checkpoints: dict[str, Path]  # synthesizer trained on -> DFREC checkpoint
    data_root: Path
    out_dir: Path
    lre_checkpoints: dict[str, Path] = field(default_factory=dict)  # -> LRE checkpoint
    samples: int = 32
    recovery: bool = True  # False: detectors only (the ISMs and LREs: AUC, mask / heat-map IoU)
    chunk_size: int = 16
    command: str = ""
    progress: bool = True


def run_cross_forgery(options: CrossOptions) -> dict[str, Any]:
    """None and every per-synthesizer model on every synthesizer's test fakes; writes cross.md
    and cross.json under options.out_dir and returns the JSON payload."""
    start = time.perf_counter()
    unknown = (set(options.checkpoints) | set(options.lre_checkpoints)) - set(SYNTHESIZERS)
    if unknown:
        raise ValueError(f"models must be trained on one of {SYNTHESIZERS}, got {sorted(unknown)}")
    if not options.checkpoints and not options.lre_checkpoints:
        raise ValueError("give at least one DFREC or LRE checkpoint")
    models = {kind: load_checkpoint(path) for kind, path in options.checkpoints.items()}
    detectors = [
        LREMethod(path, options.chunk_size, name=f"LRE trained on {kind}")
        for kind, path in options.lre_checkpoints.items()
    ]
    sizes = {model.config.geometry.image_size for model, _ in models.values()}
    sizes |= {detector.model.config.image_size for detector in detectors}
    if len(sizes) != 1:
        raise ValueError(f"the models must share one image size, got {sorted(sizes)}")
    data = load_test_data(options.data_root, sizes.pop(), options.samples, options.progress)
    sets = data.sets
    # LRE alone (or detection only) recovers nothing: no None row, no gallery
    recovery = bool(models) and options.recovery
    methods: list[Method] = (
        [NoRecovery()] * recovery
        + [
            DFRECMethod(
                Recoverer(model),
                options.chunk_size,
                name=f"DFREC trained on {kind}" if recovery else f"ISM trained on {kind}",
                recover=recovery,
            )
            for kind, (model, _) in models.items()
        ]
        + detectors
    )
    references, cache = FeatureCache(options.chunk_size), FeatureCache(options.chunk_size)
    galleries = None
    if recovery:
        galleries = build_galleries(
            data.gallery_images, data.gallery_people, data.gallery_rows, references, judge=True
        )
    inputs = {kind: sample.fake for kind, sample in sets.items()}
    rows: list[dict[str, Any]] = []
    for method in tqdm(methods, desc="cross-forgery", unit="model", disable=not options.progress):
        method_result, _ = method_rows(
            CLEAN, method, inputs, sets, cache, references, galleries, judge=True, fid=False
        )
        rows += method_result
    summary = {
        "command": options.command,
        "samples": options.samples,
        "models": {
            kind: {
                "checkpoint": str(path),
                "version": version_label(path),
                "training_step": models[kind][1].get("step"),
                "mix": models[kind][1].get("train_config", {}).get("mix"),
            }
            for kind, path in options.checkpoints.items()
        },
        "lre_models": {
            kind: {
                "checkpoint": str(path),
                "training_step": detector.metadata.get("step"),
                "mix": detector.metadata.get("train_config", {}).get("mix"),
            }
            for (kind, path), detector in zip(
                options.lre_checkpoints.items(), detectors, strict=True
            )
        },
        "seconds": time.perf_counter() - start,
    }
    options.out_dir.mkdir(parents=True, exist_ok=True)
    write_cross_markdown(summary, rows, options.out_dir / "cross.md")
    write_json(summary, rows, options.out_dir / "cross.json")
    return {**summary, "rows": rows}


def write_cross_markdown(summary: dict[str, Any], rows: list[dict[str, Any]], path: Path) -> Path:
    """One table per tested synthesizer, one row per model (None first)."""
    lines = ["# Cross-forgery evaluation", "", f"Command: `{summary['command']}`", ""]
    for kind, model in summary["models"].items():
        lines.append(
            f"- trained on {kind}: `{model['checkpoint']}` (version {model['version']}, step "
            f"{model['training_step']}, mix {model['mix']})"
        )
    for kind, model in summary.get("lre_models", {}).items():
        lines.append(
            f"- LRE trained on {kind}: `{model['checkpoint']}` (step {model['training_step']}, "
            f"mix {model['mix']})"
        )
    lines += [
        "",
        f"N = {summary['samples']} fakes per synthesizer + {summary['samples']} pristine faces "
        f"of the test identities, clean inputs; {summary['seconds']:.0f} s. Columns as in "
        "results.md (IDSIM = FaceNet cosine, dlib = the independent judge).",
        "",
    ]
    for synthesizer in SYNTHESIZERS:
        tested = [row for row in rows if row["synthesizer"] == synthesizer]
        lines += [f"## tested on {synthesizer} fakes", ""]
        lines += [markdown_table(tested, ["method"], CROSS_COLUMNS), ""]
    path.write_text("\n".join(lines))
    return path
