"""The wild evaluation: face swaps made by real tools (a folder with a manifest.csv,
dfrec.evaluation.wild_manifest) against unedited photos -> wild.md, wild.json,
wild_scores.csv and figures/ under the output folder.

The run: find and align every image's largest face -> DFREC (ISM probability, mask, recovered
faces) and LRE on every face -> detection per tool against two sets of negatives, false alarms
per negative group, mask coverage, identity by the dlib judge -> files.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import numpy as np
import torch
from tqdm import tqdm

from dfrec.checkpoint import version_label
from dfrec.evaluation.identity import mask_area, mask_iou
from dfrec.evaluation.methods import LREMethod
from dfrec.evaluation.runner import lre_version
from dfrec.evaluation.wild_faces import (
    FOUND_IN_PHOTO,
    align_photos,
    celeba_test_photos,
    face_hulls,
    faces_table,
)
from dfrec.evaluation.wild_figures import GridImages, file_stem, save_grid
from dfrec.evaluation.wild_identity import QUERIES, describe, identity_table
from dfrec.evaluation.wild_manifest import ManifestError, original_photos, read_manifest
from dfrec.evaluation.wild_metrics import coverage_table, false_alarm_table, tool_table
from dfrec.evaluation.wild_report import write_scores_csv, write_wild_json, write_wild_markdown
from dfrec.pipeline import Recoverer, Recovery

DEFAULT_CELEBA_PHOTOS = 256
NEGATIVE_SETS = {"wild": ("real", "original"), "all": ("real", "original", "celeba")}
FUSED_RULE = "the mean of the ISM and LRE fake probabilities (equal weights, nothing tuned)"
MISSED_FAKES, FALSE_ALARM_ROWS = 16, 8  # rows of figures/misses.png


@dataclass(frozen=True)
class WildOptions:
    wild_dir: Path
    checkpoint: Path
    data_root: Path  # CelebA, for its test people's photos (negatives)
    out_dir: Path
    lre_checkpoint: Path | None = None
    # folders of unedited photos only (a manifest of "real" rows, e.g. real video frames): each
    # is a negative group of its own, named after the folder, counted in the false alarms
    extra_negatives: tuple[Path, ...] = ()
    celeba_photos: int = DEFAULT_CELEBA_PHOTOS
    judge: bool = True
    chunk_size: int = 16
    grid_rows: int = 8  # fakes per tool in figures/<tool>.png
    command: str = ""
    progress: bool = True


@dataclass(frozen=True)
class Images:
    """Every image of the run, N in all: name (file, or "<person>/<file>" for CelebA), group
    ("fake", "real", "original" or "celeba"), tool ("" but for fakes), where its face was found,
    its aligned crop ((S, S, 3) uint8, None without a face) and, for fakes, the first source
    and the target photo (index into these images, -1 when unknown)."""

    names: list[str]
    groups: np.ndarray
    tools: np.ndarray
    found: list[str]
    crops: list[np.ndarray | None]
    true_source: np.ndarray
    true_target: np.ndarray


def extra_negative_photos(folders: tuple[Path, ...]) -> tuple[list[Path], list[str]]:
    """Each folder's photos (its manifest's rows, which must all be unedited) and their group,
    the folder's name. Raises ManifestError on a fake, ValueError on a group name in use."""
    paths, groups = [], []
    for folder in folders:
        group = folder.resolve().name
        if group in (*NEGATIVE_SETS["all"], "fake", *groups):
            raise ValueError(f"negatives folder {folder}: the group name {group!r} is taken")
        rows = read_manifest(folder)
        if fakes := [row.path.name for row in rows if row.is_fake]:
            raise ManifestError(f"negatives folder {folder} lists fakes: {', '.join(fakes[:3])}")
        paths += [row.path for row in rows]
        groups += [group] * len(rows)
    return paths, groups


def collect_images(options: WildOptions, size: int) -> Images:
    """The manifest's rows, then the originals they name (each once), then the extra negatives'
    photos, then CelebA photos."""
    rows = read_manifest(options.wild_dir)
    originals = original_photos(rows)
    extra, extra_groups = extra_negative_photos(options.extra_negatives)
    paths = [row.path for row in rows] + originals + extra
    crops, found = align_photos(paths, size, options.progress)
    celeba, celeba_names = celeba_test_photos(options.data_root, size, options.celeba_photos)
    position = {path: index for index, path in enumerate(paths)}
    others = len(originals) + len(extra) + len(celeba)  # the images that are not manifest rows

    def first(files: tuple[Path, ...]) -> int:
        return position[files[0]] if files else -1

    return Images(
        names=[path.name for path in paths] + celeba_names,
        groups=np.array(
            [row.label for row in rows]
            + ["original"] * len(originals)
            + extra_groups
            + ["celeba"] * len(celeba)
        ),
        tools=np.array([row.tool for row in rows] + [""] * others),
        found=found + [FOUND_IN_PHOTO] * len(celeba),
        crops=crops + list(celeba),
        true_source=np.array([first(row.sources) for row in rows] + [-1] * others, np.int64),
        true_target=np.array([first(row.targets) for row in rows] + [-1] * others, np.int64),
    )


def run_models(
    images: torch.Tensor, options: WildOptions, recoverer: Recoverer
) -> tuple[Recovery, dict[str, np.ndarray]]:
    """DFREC's outputs on (N, 3, S, S) crops, in chunks (its noise is seeded per image, so
    chunking changes nothing), and the detectors' fake probabilities (N,): ISM, and with an LRE
    checkpoint LRE and fused (FUSED_RULE)."""
    chunks = images.split(options.chunk_size)
    bar = {"unit": "chunk", "disable": not options.progress}
    parts = [recoverer.recover(chunk.contiguous()) for chunk in tqdm(chunks, desc="DFREC", **bar)]
    output = Recovery(*(torch.cat(field).float() for field in zip(*parts, strict=True)))
    scores = {"ISM": output.fake_probability.double().numpy()}
    if options.lre_checkpoint is not None:
        lre = LREMethod(options.lre_checkpoint, options.chunk_size)
        probabilities = [
            lre.run(chunk).fake_probability for chunk in tqdm(chunks, desc="LRE", **bar)
        ]
        scores["LRE"] = torch.cat(cast(list[torch.Tensor], probabilities)).double().numpy()
        scores["fused"] = (scores["ISM"] + scores["LRE"]) / 2.0
    return output, scores


def identity_rows(
    inputs: torch.Tensor,
    output: Recovery,
    tools: np.ndarray,
    true_source: np.ndarray,
    true_target: np.ndarray,
    options: WildOptions,
) -> list[dict[str, Any]]:
    """identity_table over the fakes whose first source and target both have a face; indices
    are rows of inputs, -1 where unknown or without a face. All (N,) over the scored images."""
    fakes = np.flatnonzero((true_source >= 0) & (true_target >= 0))
    truth = np.unique(np.r_[true_source[fakes], true_target[fakes]])
    described = describe(inputs[truth], options.chunk_size, options.progress)
    row_of = {index: row for row, index in enumerate(truth)}
    queries = {
        name: describe(images[fakes], options.chunk_size, options.progress)
        for name, images in zip(
            QUERIES, (inputs, output.target_face, output.source_face), strict=True
        )
    }
    return identity_table(
        queries,
        described[[row_of[index] for index in true_source[fakes]]],
        described[[row_of[index] for index in true_target[fakes]]],
        tools[fakes],
    )


def _reindexed(indices: np.ndarray, scored: np.ndarray) -> np.ndarray:
    """Indices into all images -> indices into the scored ones (-1 when not scored)."""
    new_index = np.full(len(scored), -1)
    new_index[scored] = np.arange(scored.sum())
    return np.where(indices >= 0, new_index[indices], -1)


def caption(name: str, label: str, scores: dict[str, np.ndarray], index: int) -> list[str]:
    return [
        name,
        label,
        *(f"{detector} {values[index]:.3f}" for detector, values in scores.items()),
    ]


def save_figures(
    grid: GridImages,
    tools: np.ndarray,
    is_fake: np.ndarray,
    headline: np.ndarray,
    options: WildOptions,
) -> list[Path]:
    """figures/<tool>.png (the first grid_rows fakes of each tool) and figures/misses.png (the
    MISSED_FAKES fakes with the lowest headline score, then the FALSE_ALARM_ROWS negatives
    with the highest)."""
    folder = options.out_dir / "figures"
    paths = []
    for tool in dict.fromkeys(tools[is_fake].tolist()):
        rows = np.flatnonzero(is_fake & (tools == tool))[: options.grid_rows]
        paths.append(save_grid(grid, rows.tolist(), folder / f"{file_stem(tool)}.png"))
    fakes, negatives = np.flatnonzero(is_fake), np.flatnonzero(~is_fake)
    missed = fakes[np.argsort(headline[fakes], kind="stable")[:MISSED_FAKES]]
    alarms = negatives[np.argsort(-headline[negatives], kind="stable")[:FALSE_ALARM_ROWS]]
    if len(missed) + len(alarms):
        paths.append(save_grid(grid, [*missed.tolist(), *alarms.tolist()], folder / "misses.png"))
    return paths


def run_wild_evaluation(options: WildOptions) -> dict[str, Any]:
    """Evaluate the checkpoint (and LRE) on the wild folder; writes wild.md, wild.json,
    wild_scores.csv and figures/ under options.out_dir and returns the JSON payload."""
    start = time.perf_counter()
    checkpoint_version = version_label(options.checkpoint)  # now: the file may be replaced later
    lre_label = lre_version(options.lre_checkpoint) if options.lre_checkpoint else None
    recoverer = Recoverer.from_checkpoint(options.checkpoint)
    size = recoverer.geometry.image_size
    everything = collect_images(options, size)
    scored = np.array([crop is not None for crop in everything.crops])
    if not scored.any():
        raise ValueError(f"no face found in any image of {options.wild_dir}")
    crops = np.stack([crop for crop in everything.crops if crop is not None])
    inputs = torch.from_numpy(crops).permute(0, 3, 1, 2).float() / 255.0
    output, scores = run_models(inputs, options, recoverer)
    groups, tools = everything.groups[scored], everything.tools[scored]
    extra_groups = [folder.resolve().name for folder in options.extra_negatives]
    is_fake = groups == "fake"
    true_source = _reindexed(everything.true_source, scored)
    true_target = _reindexed(everything.true_target, scored)
    areas = mask_area(output.mask).double().numpy()
    hull_iou = np.full(len(inputs), np.nan)
    hull_iou[is_fake] = mask_iou(output.mask[is_fake], face_hulls(inputs[is_fake])).numpy()
    sets = [tool or group for tool, group in zip(everything.tools, everything.groups, strict=True)]
    tables: dict[str, Any] = {
        "faces": faces_table(sets, everything.found),
        "detection": {
            name: tool_table(scores, is_fake, tools, np.isin(groups, negatives))
            for name, negatives in NEGATIVE_SETS.items()
        },
        "false_alarms": false_alarm_table(scores, groups, (*NEGATIVE_SETS["all"], *extra_groups)),
        "coverage": coverage_table(
            tools[is_fake], scores["ISM"][is_fake], areas[is_fake], hull_iou[is_fake]
        ),
        "identity": None,
    }
    if options.judge:
        tables["identity"] = identity_rows(inputs, output, tools, true_source, true_target, options)
    names = np.array(everything.names)[scored]
    labels = [tool or group for tool, group in zip(tools, groups, strict=True)]
    grid = GridImages(
        inputs,
        output.mask,
        output.source_face,
        output.target_face,
        true_source,
        true_target,
        [caption(names[i], labels[i], scores, i) for i in range(len(inputs))],
    )
    headline = "fused" if "fused" in scores else "ISM"  # the misses' ranking
    figures = save_figures(grid, tools, is_fake, scores[headline], options)
    per_image = score_rows(everything, scored, scores, areas, hull_iou)
    summary = {
        "command": options.command,
        "wild_dir": str(options.wild_dir),
        "image_size": size,
        "checkpoint": str(options.checkpoint),
        "checkpoint_version": checkpoint_version,
        "lre_checkpoint": str(options.lre_checkpoint) if options.lre_checkpoint else None,
        "lre_version": lre_label,
        "detectors": list(scores),
        "fused_rule": FUSED_RULE if "fused" in scores else "not computed (no LRE checkpoint)",
        "headline_score": headline,
        "negative_sets": {name: list(groups) for name, groups in NEGATIVE_SETS.items()},
        "extra_negatives": {
            folder.resolve().name: str(folder) for folder in options.extra_negatives
        },
        "celeba_root": str(options.data_root),
        "celeba_photos": int((everything.groups == "celeba").sum()),
        "judge_computed": options.judge,
        "figures": [str(path.relative_to(options.out_dir)) for path in figures],
        "seconds": time.perf_counter() - start,
    }
    write_scores_csv(per_image, options.out_dir / "wild_scores.csv")
    write_wild_markdown(summary, tables, options.out_dir / "wild.md")
    write_wild_json(summary, tables, options.out_dir / "wild.json")
    return {**summary, **tables}


def score_rows(
    everything: Images,
    scored: np.ndarray,
    scores: dict[str, np.ndarray],
    areas: np.ndarray,
    hull_iou: np.ndarray,
) -> list[dict[str, Any]]:
    """wild_scores.csv's lines: every image, with empty scores where no face was found."""
    rows, position = [], np.cumsum(scored) - 1
    for index, name in enumerate(everything.names):
        group = everything.groups[index]
        row = {
            "file": name,
            "label": "fake" if group == "fake" else "real",
            "tool": everything.tools[index],
            "group": group,
            "face": everything.found[index],
        }
        at = position[index] if scored[index] else None
        for key, detector in (("ism", "ISM"), ("lre", "LRE"), ("fused", "fused")):
            row[key] = float(scores[detector][at]) if at is not None and detector in scores else ""
        row["mask_area"] = float(areas[at]) if at is not None else ""
        finite = at is not None and np.isfinite(hull_iou[at])
        row["hull_iou"] = float(hull_iou[at]) if finite else ""
        rows.append(row)
    return rows
