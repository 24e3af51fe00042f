"""The evaluation run: test samples -> every method under every input condition -> files."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
from tqdm import tqdm

from dfrec.checkpoint import load_checkpoint, version_label
from dfrec.evaluation.aggregate import (
    MIN_FID_SAMPLES,
    FeatureCache,
    Galleries,
    build_galleries,
    detection_metrics,
    heatmap_metrics,
    identity_metrics,
    recovery_metrics,
    segmentation_metrics,
)
from dfrec.evaluation.degradations import CLEAN, ROBUSTNESS, Condition
from dfrec.evaluation.methods import (
    DFRECMethod,
    DRNMethod,
    LREMethod,
    Method,
    MethodOutput,
    NoRecovery,
)
from dfrec.evaluation.paired import paired_retrieval
from dfrec.evaluation.report import write_json, write_markdown
from dfrec.evaluation.samples import SYNTHESIZERS, SampleSet, load_test_data
from dfrec.pipeline import Recoverer
from dfrec.training.figures import save_recovery_grid

DEFAULT_SAMPLES = 128  # the fixed protocol: 128 fakes per synthesizer + 128 pristine


@dataclass(frozen=True)
class EvalOptions:
    checkpoint: Path
    data_root: Path
    out_dir: Path
    samples: int = DEFAULT_SAMPLES
    drn_checkpoint: Path | None = None
    lre_checkpoint: Path | None = None
    recovery: bool = True  # False: detectors only (ISM and LRE: AUC, mask / heat-map IoU)
    chunk_size: int = 16
    judge: bool = True  # the dlib judge on the main rows
    fid: bool = True  # FID on the main rows
    robustness: tuple[Condition, ...] = field(default=ROBUSTNESS)
    grid_rows: int = 8
    command: str = ""
    synthesizers: tuple[str, ...] = SYNTHESIZERS  # the fakes' kinds (HELD_OUT_SYNTHESIZERS too)
    progress: bool = True


def fake_kinds(sets: dict[str, SampleSet]) -> list[str]:
    """The synthesizers of the sets, in their order (every kind but "pristine")."""
    return [kind for kind in sets if kind != "pristine"]


def rows_per_kind(kinds: list[str], rows: int) -> dict[str, int]:
    """rows shared out among kinds as evenly as they go, the first kinds taking the rest."""
    share, rest = divmod(rows, len(kinds))
    return {kind: share + (index < rest) for index, kind in enumerate(kinds)}


def _prefixed(prefix: str, metrics: dict[str, Any]) -> dict[str, Any]:
    return {f"{prefix}_{key}": value for key, value in metrics.items()}


def method_rows(
    condition: Condition,
    method: Method,
    inputs: dict[str, torch.Tensor],
    sets: dict[str, SampleSet],
    cache: FeatureCache,
    references: FeatureCache,
    galleries: Galleries | None,
    judge: bool,
    fid: bool,
) -> tuple[list[dict[str, Any]], dict[str, MethodOutput]]:
    """One row per synthesizer for this (condition, method); also the raw outputs. The dlib
    judge (verification and retrieval) and FID run on clean inputs only, when asked."""
    clean = condition == CLEAN
    pristine = method.run(inputs["pristine"])
    rows, outputs = [], {}
    for synthesizer in fake_kinds(sets):
        output = method.run(inputs[synthesizer])
        outputs[synthesizer] = output
        row: dict[str, Any] = {
            "synthesizer": synthesizer,
            "condition": condition.name,
            "method": method.name,
            "samples": len(sets[synthesizer]),
        }
        truth = sets[synthesizer]
        excluded = np.stack([truth.source_rows, truth.target_rows], axis=1)
        for prefix, recovered, true, people, other in (
            ("target", output.target, truth.target, truth.target_people, truth.source_people),
            ("source", output.source, truth.source, truth.source_people, truth.target_people),
        ):
            if recovered is None or galleries is None:
                continue
            metrics = recovery_metrics(
                recovered, true, cache, references, judge=judge and clean, fid=fid and clean
            )
            metrics |= identity_metrics(
                recovered,
                true,
                people,
                excluded,
                cache,
                references,
                galleries,
                judge and clean,
                other,
            )
            row.update(_prefixed(prefix, metrics))
        if output.mask is not None and pristine.mask is not None:
            row.update(segmentation_metrics(output.mask, truth.mask, pristine.mask))
        if output.heatmap is not None:
            row.update(heatmap_metrics(output.heatmap, truth.mask))
        row.update(
            detection_metrics(
                inputs[synthesizer],
                output.target,
                inputs["pristine"],
                pristine.target,
                cache,
                output.fake_probability,
                pristine.fake_probability,
            )
        )
        rows.append(row)
    outputs["pristine"] = pristine
    return rows, outputs


def _save_grid(sets: dict[str, SampleSet], outputs: dict[str, MethodOutput], rows: int, path: Path):
    """fake | true target | recovered target | true source | recovered source | mask | true mask,
    the rows shared among the synthesizers (swap fakes, then blend fakes by default)."""
    per_kind = rows_per_kind(fake_kinds(sets), rows)
    columns: dict[str, list[torch.Tensor]] = {}
    for synthesizer, count in per_kind.items():
        truth, output = sets[synthesizer], outputs[synthesizer]
        count = min(count, len(truth))
        named = {
            "fake": truth.fake,
            "true target": truth.target,
            "recovered target": output.target,
            "true source": truth.source,
            "recovered source": output.source,
            "mask": output.mask,
            "true mask": truth.mask,
        }
        for name, images in named.items():
            columns.setdefault(name, []).append(images[:count])
    return save_recovery_grid({name: torch.cat(parts) for name, parts in columns.items()}, path)


def lre_version(path: Path) -> str:
    """`<variant>-<first 12 hex of the file's SHA-256>` of an LRE checkpoint."""
    from dfrec.checkpoint import read_payload
    from dfrec.lre.checkpoint import FORMAT
    from dfrec_contract.hashing import file_sha256

    return f"{read_payload(path, FORMAT)['variant']}-{file_sha256(path)[:12]}"


def save_heatmap_grid(
    sets: dict[str, SampleSet],
    lre: dict[str, MethodOutput],
    dfrec: dict[str, MethodOutput],
    rows: int,
    path: Path,
    display_max: float,
) -> Path:
    """input | LRE heat map (at the served display scale) | true blend mask | ISM mask: the rows
    shared among the synthesizers (swap, then blend by default), then half as many pristine."""
    from dfrec.lre.render import display_heatmap

    per_kind = rows_per_kind(fake_kinds(sets), rows) | {"pristine": rows // 2}
    columns: dict[str, list[torch.Tensor]] = {}
    for kind, count in per_kind.items():
        truth, output = sets[kind], lre[kind]
        count = min(count, len(truth))
        named = {
            "input": truth.fake,
            "LRE heat map": display_heatmap(output.heatmap, display_max),
            "true mask": truth.mask,
        }
        if kind in dfrec and dfrec[kind].mask is not None:
            named["ISM mask"] = dfrec[kind].mask
        for name, images in named.items():
            columns.setdefault(name, []).append(images[:count])
    return save_recovery_grid({name: torch.cat(parts) for name, parts in columns.items()}, path)


def run_evaluation(options: EvalOptions) -> dict[str, Any]:
    """Evaluate None, DFREC (and DRN) on the test identities; writes results.md, results.json
    and recoveries.png under options.out_dir and returns the JSON payload."""
    start = time.perf_counter()
    model, metadata = load_checkpoint(options.checkpoint)
    checkpoint_version = version_label(options.checkpoint)  # now: the file may be replaced later
    lre_label = lre_version(options.lre_checkpoint) if options.lre_checkpoint else None
    recoverer = Recoverer(model)
    image_size = recoverer.geometry.image_size
    data = load_test_data(
        options.data_root,
        image_size,
        options.samples,
        options.progress,
        synthesizers=options.synthesizers,
    )
    sets = data.sets
    methods: list[Method] = [DFRECMethod(recoverer, options.chunk_size, recover=options.recovery)]
    if options.recovery:
        methods.insert(0, NoRecovery())
    if options.drn_checkpoint is not None and options.recovery:
        methods.append(DRNMethod(options.drn_checkpoint, options.chunk_size))
    lre_method = None
    if options.lre_checkpoint is not None:
        lre_method = LREMethod(options.lre_checkpoint, options.chunk_size)
        methods.append(lre_method)
    conditions = (CLEAN, *options.robustness)
    references = FeatureCache(options.chunk_size)
    galleries = None
    if options.recovery:
        galleries = build_galleries(
            data.gallery_images, data.gallery_people, data.gallery_rows, references, options.judge
        )
    rows: list[dict[str, Any]] = []
    grid_outputs: dict[str, MethodOutput] = {}
    lre_outputs: dict[str, MethodOutput] = {}
    with tqdm(
        total=len(conditions) * len(methods),
        desc="evaluate",
        unit="run",
        disable=not options.progress,
    ) as bar:
        for condition in conditions:
            cache = FeatureCache(options.chunk_size)  # inputs and recoveries of this condition
            inputs = {kind: condition.apply(sample.fake) for kind, sample in sets.items()}
            for method in methods:
                bar.set_postfix_str(f"{condition.name} / {method.name}")
                new_rows, outputs = method_rows(
                    condition,
                    method,
                    inputs,
                    sets,
                    cache,
                    references,
                    galleries,
                    judge=options.judge,
                    fid=options.fid,
                )
                rows += new_rows
                if condition == CLEAN and method.name == "DFREC":
                    grid_outputs = outputs
                if condition == CLEAN and method.name == "LRE":
                    lre_outputs = outputs
                bar.update()
    options.out_dir.mkdir(parents=True, exist_ok=True)
    if options.recovery:
        _save_grid(sets, grid_outputs, options.grid_rows, options.out_dir / "recoveries.png")
    if lre_method is not None and lre_outputs:
        save_heatmap_grid(
            sets,
            lre_outputs,
            grid_outputs,
            options.grid_rows,
            options.out_dir / "lre_heatmaps.png",
            lre_method.model.config.heatmap_display_max,
        )
    summary = {
        "command": options.command,
        "samples": options.samples,
        "gallery_photos": len(data.gallery_rows),
        "gallery_people": len(set(data.gallery_people.tolist())),
        "image_size": image_size,
        "checkpoint": str(options.checkpoint),
        "checkpoint_version": checkpoint_version,
        "training_step": metadata.get("step"),
        "drn_checkpoint": str(options.drn_checkpoint) if options.drn_checkpoint else None,
        "lre_checkpoint": str(options.lre_checkpoint) if options.lre_checkpoint else None,
        "lre_version": lre_label,
        "synthesizers": list(options.synthesizers),
        "conditions": [condition.name for condition in conditions],
        "methods": [method.name for method in methods],
        "min_fid_samples": MIN_FID_SAMPLES,
        "fid_computed": options.fid and options.samples >= MIN_FID_SAMPLES,
        "judge_computed": options.judge and options.recovery,
        "recovery": options.recovery,
        "paired": paired_retrieval(rows),
        "seconds": time.perf_counter() - start,
    }
    write_markdown(summary, rows, options.out_dir / "results.md")
    write_json(summary, rows, options.out_dir / "results.json")
    return {**summary, "rows": rows}
