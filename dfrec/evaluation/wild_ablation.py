"""The wild ablation table: one row per checkpoint, read from the wild.json that `dfrec evaluate
--wild` wrote for it and, where given, the results.json of its synthetic evaluation (`dfrec
evaluate --detection-only`), so every number traces back to one evaluation file.

    dfrec wild-ablation "shipped=runs/wild-shipped/wild.json,docs/eval/results.json" ... --out FILE
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from dfrec.evaluation.report import markdown_table, number_format, percent_format
from dfrec.evaluation.wild_metrics import OVERALL

Row = dict[str, Any]
three_decimals = number_format(3)
NEGATIVES = "wild"  # the headline negatives: the set's own real photos and originals


def detection(payload: dict[str, Any], tool: str, detector: str) -> Row:
    """The detection row of one tool and detector against NEGATIVES ({} when absent)."""
    rows = payload["detection"][NEGATIVES]
    return next((r for r in rows if r["tool"] == tool and r["detector"] == detector), {})


def false_alarms(payload: dict[str, Any], group: str) -> float | None:
    """The ISM's false-alarm share at the shipped threshold on one negative group."""
    rows = payload["false_alarms"]
    row = next((r for r in rows if r["group"] == group and r["detector"] == "ISM"), None)
    return None if row is None else row["false_alarms_at_shipped"]


def synthetic(payload: dict[str, Any] | None, synthesizer: str, key: str) -> float | None:
    """DFREC's clean-input `key` on one synthesizer of a synthetic results.json."""
    if payload is None:
        return None
    for row in payload["rows"]:
        if (row["method"], row["condition"], row["synthesizer"]) == ("DFREC", "clean", synthesizer):
            return row.get(key)
    return None


def tools_of(payload: dict[str, Any]) -> list[str]:
    """The wild set's tools, in the file's order."""
    rows = payload["detection"][NEGATIVES]
    return [tool for tool in dict.fromkeys(r["tool"] for r in rows) if tool != OVERALL]


def ablation_row(
    name: str,
    wild: dict[str, Any],
    results: dict[str, Any] | None,
    extra_groups: tuple[str, ...] = (),
) -> Row:
    """One checkpoint's row: wild detection (ISM, LRE, fused), per-tool ISM AUC, false alarms
    per negative group (and per extra group, "—" where its run had none), mask coverage on
    detected fakes, and the synthetic AUCs."""
    coverage = next(r for r in wild["coverage"] if r["tool"] == OVERALL)
    row: Row = {"step": name}
    for detector in ("ISM", "LRE", "fused"):
        found = detection(wild, OVERALL, detector)
        row[f"{detector} AUC"] = three_decimals(found.get("auc"))
        row[f"{detector} @5 %"] = percent_format(found.get("caught_fpr5"))
    for tool in tools_of(wild):
        row[tool] = three_decimals(detection(wild, tool, "ISM").get("auc"))
    for group in ("real", "original", "celeba", *extra_groups):
        row[f"FA {group}"] = percent_format(false_alarms(wild, group))
    row["hull IoU (detected)"] = three_decimals(coverage["hull_iou_detected"])
    row["swap AUC"] = three_decimals(synthetic(results, "swap", "auc"))
    row["blend AUC"] = three_decimals(synthetic(results, "blend", "auc"))
    row["swap IoU"] = three_decimals(synthetic(results, "swap", "mask_iou"))
    return row


def parse_run(text: str) -> tuple[str, Path, Path | None]:
    """ "name=wild.json[,results.json]" -> (name, wild path, results path or None)."""
    name, _, files = text.rpartition("=")
    if not name or not files:
        raise ValueError(f'expected "name=wild.json[,results.json]", got {text!r}')
    wild, _, results = files.partition(",")
    return name, Path(wild), Path(results) if results else None


def write_wild_ablation(runs: list[str], path: Path, command: str) -> Path:
    """The markdown table of ablation_row for each run, under the command and the files."""
    files, loaded = [], []
    for text in runs:
        name, wild_path, results_path = parse_run(text)
        wild = json.loads(wild_path.read_text())
        results = json.loads(results_path.read_text()) if results_path else None
        loaded.append((name, wild, results))
        files.append(f"- {name}: `{wild_path}`" + (f", `{results_path}`" if results_path else ""))
    extra = tuple(dict.fromkeys(g for _, w, _ in loaded for g in w.get("extra_negatives", {})))
    rows = [ablation_row(name, wild, results, extra) for name, wild, results in loaded]
    keys = list(rows[0])
    lines = [
        "# Wild ablation: each detector change on real tools' swaps and on the synthetic test",
        "",
        f"Command: `{command}`",
        "",
        *files,
        "",
        "AUC and '@5 %' (fakes caught at the score that 5 % of the negatives exceed) against "
        "the wild set's own unedited photos (real + originals); per-tool columns: the ISM's "
        "AUC; FA: the ISM's false alarms above 0.5 per negative group (celeba: unseen test "
        "people; other groups: the folders given to --wild-negatives); synthetic columns from "
        "`dfrec evaluate --detection-only` (128 fakes each).",
        "",
        markdown_table(rows, keys, ()),
        "",
    ]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines))
    return path
