"""results.md (markdown tables) and results.json (every number) of an evaluation."""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from dfrec.evaluation.aggregate import TOP_SHARE

Row = dict[str, Any]
TOP = f"top{round(100 * TOP_SHARE)}"  # the top-k % IoU keys' suffix, as aggregate writes them


def number_format(digits: int) -> Callable[[Any], str]:
    """A formatter of numbers at `digits` decimals, "—" for None."""
    return lambda value: "—" if value is None else f"{value:.{digits}f}"


def percent_format(value: Any) -> str:
    """A share as a percentage at one decimal, "—" for None."""
    return "—" if value is None else f"{100.0 * value:.1f} %"


# (column header, row key, formatter)
MAIN_COLUMNS = (
    ("top-1 tgt (dlib)", "target_judge_top1", percent_format),
    ("top-5 tgt (dlib)", "target_judge_top5", percent_format),
    ("top-1 src (dlib)", "source_judge_top1", percent_format),
    ("top-5 src (dlib)", "source_judge_top5", percent_format),
    ("tgt names src (dlib)", "target_judge_other_top1", percent_format),
    ("src names tgt (dlib)", "source_judge_other_top1", percent_format),
    ("top-1 tgt (FaceNet)", "target_facenet_top1", percent_format),
    ("top-1 src (FaceNet)", "source_facenet_top1", percent_format),
    ("IDSIM tgt", "target_idsim", number_format(3)),
    ("IDSIM src", "source_idsim", number_format(3)),
    ("IDSIM tgt tight", "target_idsim_tight", number_format(3)),
    ("IDSIM src tight", "source_idsim_tight", number_format(3)),
    ("dlib cos tgt", "target_judge_cosine", number_format(3)),
    ("dlib verified tgt", "target_judge_verified", percent_format),
    ("dlib cos src", "source_judge_cosine", number_format(3)),
    ("dlib verified src", "source_judge_verified", percent_format),
    ("FID tgt", "target_fid", number_format(2)),
    ("FID src", "source_fid", number_format(2)),
    ("PSNR tgt", "target_psnr", number_format(2)),
    ("SSIM tgt", "target_ssim", number_format(3)),
    ("PSNR src", "source_psnr", number_format(2)),
    ("SSIM src", "source_ssim", number_format(3)),
    ("Acc_id", "acc_id", percent_format),
    ("AUC", "auc", number_format(3)),
    ("mask IoU", "mask_iou", number_format(3)),
    (f"mask IoU top-{round(100 * TOP_SHARE)} %", f"mask_iou_{TOP}", number_format(3)),
    (f"heat map IoU top-{round(100 * TOP_SHARE)} %", f"heatmap_iou_{TOP}", number_format(3)),
    ("mask area pristine", "mask_area_pristine", percent_format),
)


def main_columns(*keys: str) -> tuple[tuple, ...]:
    """The MAIN_COLUMNS of these row keys, in MAIN_COLUMNS order."""
    return tuple(column for column in MAIN_COLUMNS if column[1] in keys)


SUMMARY_COLUMNS = main_columns(
    "target_judge_top1",
    "source_judge_top1",
    "target_judge_other_top1",
    "source_judge_other_top1",
    "target_facenet_top1",
    "source_facenet_top1",
    "target_idsim_tight",
    "source_idsim_tight",
    "target_judge_verified",
    "source_judge_verified",
    "target_fid",
    "acc_id",
    "auc",
    "mask_iou",
    f"mask_iou_{TOP}",
    f"heatmap_iou_{TOP}",
    "mask_area_pristine",
)
ROBUSTNESS_COLUMNS = main_columns(
    "target_facenet_top1",
    "source_facenet_top1",
    "target_idsim",
    "source_idsim",
    "target_psnr",
    "target_ssim",
    "source_psnr",
    "source_ssim",
    "acc_id",
    "auc",
    "mask_iou",
    f"heatmap_iou_{TOP}",
)


def markdown_table(rows: Sequence[Row], keys: Sequence[str], columns: Sequence[tuple]) -> str:
    """A markdown table: the `keys` of each row verbatim, then the formatted metric columns."""
    header = [*keys, *(name for name, _, _ in columns)]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for row in rows:
        cells = [str(row[key]) for key in keys] + [fmt(row.get(key)) for _, key, fmt in columns]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def notes(summary: dict[str, Any]) -> list[str]:
    n = summary["samples"]
    fid_skipped = []
    if not summary["fid_computed"]:
        fid_skipped = [
            f"FID SKIPPED: N = {n} is below the minimum of {summary['min_fid_samples']} samples "
            "(or FID was switched off); the FID columns show —."
        ]
    return [
        *fid_skipped,
        f"Each synthesizer: {n} fakes from the test identities (never seen in training); Acc_id "
        f"and AUC are over those {n} fakes + {n} pristine test faces.",
        f"Retrieval (top-1 / top-5): each recovered face is a query against a gallery of all "
        f"{summary.get('gallery_photos')} aligned photos of the {summary.get('gallery_people')} "
        "test people; a person scores the mean cosine over their photos, leaving out the two "
        "photos the forgery was made from; the share of queries whose true person ranks first "
        "(within five). dlib: the independent judge's descriptors; FaceNet: embeddings of the "
        "tight face crop. Chance top-1 = 1 / people.",
        "tgt names src / src names tgt: the share of recovered targets whose judge top-1 is the "
        "forgery's source person (and of recovered sources whose top-1 is its target): a wrong "
        "answer, worse than a miss; lower is better (None: the fake names its source this often).",
        "IDSIM tight: FaceNet cosine on the face box only (central 62 % of the aligned crop, no "
        "hair or background).",
        "Mask IoU: ISM mask > 0.5 vs true blend mask > 0.5 on the fakes; mask area pristine: the "
        "mean share of pixels the ISM marks (> 0.5) on pristine faces.",
        "IDSIM = mean FaceNet cosine (recovered vs true face). dlib = the independent ResNet judge "
        "no loss saw: mean descriptor cosine, and the share of pairs it verifies as the same "
        "person (distance < 0.6).",
        "Acc_id: FaceNet cosine between the input and its recovered target; above 0.9 the input "
        "is called real, else fake. AUC: ROC AUC of the ISM fake probability (— for methods "
        "without a detector).",
        "None: the (possibly degraded) fake itself taken as recovered target and as recovered "
        "source; its Acc_id calls every input real (cosine 1), i.e. the share of pristine inputs.",
        f"FID (Inception at 299 px) only on the main rows, not on the robustness rows; skipped "
        f"(—) when fewer than {summary['min_fid_samples']} samples. With "
        f"{n} samples per set FID is biased upwards: compare rows of this table only.",
        "Robustness rows: the input (fake and pristine) degraded before recovery; compared with "
        "the clean true faces; FaceNet, PSNR/SSIM, Acc_id and AUC only (no dlib judge, no FID). "
        "Gaussian blur kernel k (sigma from k), JPEG quality q, Gaussian noise of variance v on "
        "0-255 pixels.",
        *lre_notes(summary),
    ]


def lre_notes(summary: dict[str, Any]) -> list[str]:
    detection_only = []
    if summary.get("recovery") is False:
        detection_only = [
            "DETECTORS ONLY (--detection-only): the DFREC rows are its ISM alone (fake "
            "probability and mask); no face was recovered, so the recovery, identity and "
            "Acc_id columns are empty."
        ]
    if not summary.get("lre_checkpoint"):
        return detection_only
    return [
        *detection_only,
        f"LRE: the second detector (local reconstruction errors, `dfrec.lre`), checkpoint "
        f"`{summary['lre_checkpoint']}` (version {summary.get('lre_version')}); it recovers no "
        "face, so only AUC (its own fake probability) and the heat-map column apply.",
        f"Top-{round(100 * TOP_SHARE)} % IoU: the {round(100 * TOP_SHARE)} % of pixels a map "
        "ranks highest vs the true blend mask > 0.5, on "
        "the fakes: for LRE's heat map (heat map IoU) and, ranked the same way, the ISM mask "
        "(mask IoU top-25 %), so both maps are compared at one area whatever their scale.",
    ]


def paired_section(entries: Sequence[dict[str, Any]]) -> list[str]:
    """Markdown lines: each method's dlib top-1 retrieval against None's on the same queries
    (dfrec.evaluation.paired); nothing when no entry was computed."""
    if not entries:
        return []
    lines = [
        "## Paired retrieval against None (dlib top-1, the same queries)",
        "",
        "| synthesizer | recovered | method | top-1 method | top-1 None | only method right "
        "| only None right | McNemar p |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for entry in entries:
        lines.append(
            f"| {entry['synthesizer']} | {entry['recovered']} | {entry['method']} | "
            f"{percent_format(entry['method_rate'])} | {percent_format(entry['baseline_rate'])} | "
            f"{entry['method_only']} | {entry['baseline_only']} | {entry['p_value']:.3f} |"
        )
    lines += [
        "",
        "Only the discordant queries (one right, the other wrong) tell the two apart; McNemar "
        "p: the two-sided exact chance of a split at least this uneven if both were equally "
        "good. p above 0.05: the difference is within sampling noise.",
        "",
    ]
    return lines


def write_markdown(summary: dict[str, Any], rows: Sequence[Row], path: Path) -> Path:
    """The header (command, N, checkpoint, time), a summary table (the README's), main tables
    and robustness tables."""
    lines = [
        "# DFREC evaluation",
        "",
        f"Command: `{summary['command']}`",
        "",
        f"N = {summary['samples']} fakes per synthesizer + {summary['samples']} pristine, "
        f"{summary['image_size']} px; checkpoint `{summary['checkpoint']}` "
        f"(version {summary['checkpoint_version']}, training step "
        f"{summary.get('training_step') or 'none: untrained'}); DRN: "
        f"{summary.get('drn_checkpoint') or 'not given'}; LRE: "
        f"{summary.get('lre_checkpoint') or 'not given'}; {summary['seconds']:.0f} s.",
        "",
    ]
    clean = [r for r in rows if r["condition"] == "clean"]
    order = summary["synthesizers"]
    by_synthesizer = sorted(clean, key=lambda row: order.index(row["synthesizer"]))
    lines += ["## Summary, clean inputs", ""]
    lines += [markdown_table(by_synthesizer, ["synthesizer", "method"], SUMMARY_COLUMNS), ""]
    for synthesizer in summary["synthesizers"]:
        main = [r for r in clean if r["synthesizer"] == synthesizer]
        lines += [f"## {synthesizer} fakes, clean inputs", ""]
        lines += [markdown_table(main, ["method"], MAIN_COLUMNS), ""]
    for synthesizer in summary["synthesizers"]:
        robust = [r for r in rows if r["synthesizer"] == synthesizer]
        if all(r["condition"] == "clean" for r in robust):
            continue
        lines += [f"## Robustness, {synthesizer} fakes", ""]
        lines += [markdown_table(robust, ["condition", "method"], ROBUSTNESS_COLUMNS), ""]
    lines += paired_section(summary.get("paired") or [])
    lines += ["## Notes", "", *(f"- {note}" for note in notes(summary)), ""]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines))
    return path


def json_safe(value: Any) -> Any:
    """NaN and infinities as null, recursively through dicts and lists."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {key: json_safe(item) for key, item in value.items()}
    if isinstance(value, list):
        return [json_safe(item) for item in value]
    return value


def write_json(summary: dict[str, Any], rows: Sequence[Row], path: Path) -> Path:
    payload = {**summary, "rows": [{k: json_safe(v) for k, v in row.items()} for row in rows]}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(payload, indent=1))
    return path
