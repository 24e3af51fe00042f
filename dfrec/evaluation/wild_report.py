"""wild.md (markdown tables), wild.json (every number) and wild_scores.csv (one line per image)
of a wild evaluation."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

from dfrec.evaluation.report import json_safe, markdown_table, number_format, percent_format
from dfrec.evaluation.wild_faces import FOUND_IN_PHOTO, FOUND_IN_TIGHT_CROP, NO_FACE
from dfrec.evaluation.wild_metrics import FALSE_ALARM_RATES, SHIPPED_THRESHOLD, rate_key

SCORE_COLUMNS = (
    "file", "label", "tool", "group", "face", "ism", "lre", "fused", "mask_area", "hull_iou"
)  # fmt: skip


def _count(value: Any) -> str:
    return str(value)


FACE_COLUMNS = (
    ("images", "images", _count),
    ("found in the photo", FOUND_IN_PHOTO, _count),
    ("found in the padded crop", FOUND_IN_TIGHT_CROP, _count),
    ("no face", NO_FACE, _count),
)
DETECTION_COLUMNS = (
    ("fakes", "fakes", _count),
    ("negatives", "negatives", _count),
    ("AUC", "auc", number_format(3)),
    *(
        column
        for rate in FALSE_ALARM_RATES
        for column in (
            (f"caught @ {100 * rate:.0f} % FA", f"caught_{rate_key(rate)}", percent_format),
            (f"threshold @ {100 * rate:.0f} % FA", f"threshold_{rate_key(rate)}", number_format(3)),
        )
    ),
    (f"caught @ {SHIPPED_THRESHOLD}", "caught_at_shipped", percent_format),
)
FALSE_ALARM_COLUMNS = (
    ("photos", "photos", _count),
    (f"false alarms @ {SHIPPED_THRESHOLD}", "false_alarms_at_shipped", percent_format),
    ("mean probability", "mean_probability", number_format(3)),
)
COVERAGE_COLUMNS = (
    ("fakes", "images", _count),
    ("hull IoU", "hull_iou", number_format(3)),
    ("mask area", "mask_area", percent_format),
    ("detected", "detected", _count),
    ("hull IoU, detected", "hull_iou_detected", number_format(3)),
    ("mask area, detected", "mask_area_detected", percent_format),
)
IDENTITY_COLUMNS = (
    ("pairs", "pairs", _count),
    ("same as source", "same_as_source", percent_format),
    ("cos source", "cosine_source", number_format(3)),
    ("same as target", "same_as_target", percent_format),
    ("cos target", "cosine_target", number_format(3)),
    ("names source", "names_source", percent_format),
    ("names target", "names_target", percent_format),
)


def notes(summary: dict[str, Any]) -> list[str]:
    rates = " and ".join(f"{100 * rate:.0f} %" for rate in FALSE_ALARM_RATES)
    return [
        "Faces: each image read as RGB; its largest face found by dlib's HOG detector and aligned "
        "as the service does (dfrec.data.align); where none is found, again on the image padded "
        "with its edge colours (the tight-crop fallback). Images without a face are counted "
        "and left out of every score. CelebA photos come aligned from the training cache.",
        f"Negatives: wild = the set's real photos + the originals (every source and target photo "
        f"the manifest names, each once); all = wild + {summary['celeba_photos']} photos of the "
        "CelebA test people (evenly spaced over their aligned-cache rows; people no network "
        "trained on).",
        f"Fused: {summary['fused_rule']}.",
        f"Caught @ r % FA: the threshold is the (⌊r·n⌋ + 1)-th highest score of the n negatives; "
        f"a fake is caught when its score is strictly above it, so at most ⌊r·n⌋ negatives "
        f"are false alarms (fewer when negatives tie at the threshold: wild.json lists the "
        f"realized share) and fakes tied with it count as missed. r = {rates}. Caught @ "
        f"{SHIPPED_THRESHOLD}: the share above the service's threshold. AUC: ROC AUC, ties "
        "count half.",
        "Hull IoU: the ISM mask > 0.5 vs the jaw-and-brows hull (the region a face swap pastes, "
        "dfrec.data.masks.face_region) of the 68 landmarks dlib finds on the aligned crop; mask "
        "area: the share of the crop's pixels above 0.5; detected: the fakes whose ISM "
        f"probability is above {SHIPPED_THRESHOLD}.",
        f"Figures: figures/<tool>.png holds the first fakes of each tool (true faces: the "
        f"originals' aligned crops); figures/misses.png the fakes with the lowest "
        f"{summary['headline_score']} score, then the negatives with the highest.",
        "Identity: fakes whose first source (a fake with several pasted people lists several) "
        "and whose target were both found; the dlib judge's "
        "descriptors of the query (None: the fake itself) vs those of the true source and true "
        "target, aligned the same way. Same as: distance < 0.6 (dlib's rule); cos: mean "
        "descriptor cosine; names source / target: the share whose cosine to the true source "
        "is higher than to the true target, and vice versa (a forced choice).",
    ]


def _tables(title: str, rows: list[dict], keys: list[str], columns: tuple) -> list[str]:
    return [f"## {title}", "", markdown_table(rows, keys, columns), ""]


def write_wild_markdown(summary: dict[str, Any], tables: dict[str, Any], path: Path) -> Path:
    """Header (command, models, counts, time), then one table per measurement, then notes."""
    lre = summary["lre_checkpoint"]
    lines = [
        "# DFREC on wild face swaps",
        "",
        f"Command: `{summary['command']}`",
        "",
        f"Wild folder `{summary['wild_dir']}`, {summary['image_size']} px; checkpoint "
        f"`{summary['checkpoint']}` (version {summary['checkpoint_version']}); LRE: "
        + (f"`{lre}` (version {summary['lre_version']})" if lre else "not given")
        + f"; {summary['seconds']:.0f} s.",
        "",
    ]
    lines += _tables("Faces", tables["faces"], ["set"], FACE_COLUMNS)
    for name, groups in summary["negative_sets"].items():
        title = f"Detection, negatives: {name} ({' + '.join(groups)})"
        lines += _tables(title, tables["detection"][name], ["tool", "detector"], DETECTION_COLUMNS)
    lines += _tables(
        "False alarms per negative group", tables["false_alarms"], ["group", "detector"],
        FALSE_ALARM_COLUMNS,
    )  # fmt: skip
    lines += _tables(
        "ISM mask coverage on the fakes", tables["coverage"], ["tool"], COVERAGE_COLUMNS
    )
    if tables["identity"] is not None:
        lines += _tables(
            "Identity (dlib judge)", tables["identity"], ["tool", "query"], IDENTITY_COLUMNS
        )
    lines += ["## Notes", "", *(f"- {note}" for note in notes(summary)), ""]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines))
    return path


def write_wild_json(summary: dict[str, Any], tables: dict[str, Any], path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(json_safe({**summary, **tables}), indent=1))
    return path


def write_scores_csv(rows: list[dict[str, Any]], path: Path) -> Path:
    """One line per image (SCORE_COLUMNS); numbers with 4 decimals, empty when not measured."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=SCORE_COLUMNS)
        writer.writeheader()
        for row in rows:
            writer.writerow(
                {
                    key: f"{value:.4f}" if isinstance(value, float) else value
                    for key, value in row.items()
                }
            )
    return path
