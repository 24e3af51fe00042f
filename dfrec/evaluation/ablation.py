"""The ablation table: one row per (recipe step, synthesizer) from the results.json files that
`dfrec evaluate` wrote for each step, so every number in it traces back to one evaluation.

    dfrec ablation "shipped step 1700=docs/eval/ablation/0-shipped.json" ... --out FILE.md
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from dfrec.evaluation.report import main_columns, markdown_table

ABLATION_COLUMNS = main_columns(
    "target_judge_top1",
    "target_judge_top5",
    "source_judge_top1",
    "target_facenet_top1",
    "source_facenet_top1",
    "target_idsim_tight",
    "source_idsim_tight",
    "acc_id",
    "auc",
    "mask_iou",
    "mask_area_pristine",
)


def ablation_rows(runs: dict[str, Path], baseline: str = "None") -> list[dict[str, Any]]:
    """For every synthesizer: the baseline method's row once (from the first run), then each
    run's DFREC row on clean inputs, labelled with the run's name."""
    payloads = {name: json.loads(path.read_text()) for name, path in runs.items()}
    first = next(iter(payloads.values()))
    rows = []
    for synthesizer in first["synthesizers"]:
        for name, payload in payloads.items():
            for row in payload["rows"]:
                if row["synthesizer"] != synthesizer or row["condition"] != "clean":
                    continue
                keep_baseline = row["method"] == baseline and payload is first
                if row["method"] == "DFREC" or keep_baseline:
                    label = "None (the fake itself)" if keep_baseline else name
                    rows.append(row | {"step": label})
    return rows


def write_ablation(runs: dict[str, Path], path: Path, command: str) -> Path:
    """Markdown table of ablation_rows under a header naming the command and the files."""
    rows = ablation_rows(runs)
    lines = [
        "# Ablation: each recipe change, evaluated with the same protocol",
        "",
        f"Command: `{command}`",
        "",
        *(f"- {name}: `{file}`" for name, file in runs.items()),
        "",
        markdown_table(rows, ["synthesizer", "step"], ABLATION_COLUMNS),
        "",
    ]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines))
    return path
