"""The ablation table: one row per (recipe step, synthesizer) from the results.json files that
`dfrec evaluate` wrote for each step, so every number in it traces back to one evaluation.

    dfrec ablation "shipped step 1700=docs/eval/ablation/0-shipped.json" ... --out FILE.md
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from scipy.stats import binomtest

from dfrec.evaluation.report import main_columns, markdown_table

ABLATION_COLUMNS = main_columns(
    "target_judge_top1",
    "target_judge_top5",
    "source_judge_top1",
    "target_facenet_top1",
    "source_facenet_top1",
    "target_idsim_tight",
    "source_idsim_tight",
    "target_judge_verified",
    "target_fid",
    "acc_id",
    "auc",
    "mask_iou",
    "mask_area_pristine",
)


def read_runs(runs: dict[str, Path]) -> dict[str, dict[str, Any]]:
    """Run name -> its results.json payload."""
    return {name: json.loads(path.read_text()) for name, path in runs.items()}


def ablation_rows(runs: dict[str, Path], baseline: str = "None") -> list[dict[str, Any]]:
    """For every synthesizer: the baseline method's row once (from the first run), then each
    run's DFREC row on clean inputs, labelled with the run's name."""
    return rows_of(read_runs(runs), baseline)


def rows_of(payloads: dict[str, dict[str, Any]], baseline: str = "None") -> list[dict[str, Any]]:
    """ablation_rows on payloads already read."""
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


def sampling_noise_note(samples: int, rates: tuple[float, ...] = (0.1, 0.3, 0.7)) -> str:
    """A sentence giving the 95 % Wilson interval of a retrieval rate at each of `rates` with
    `samples` fakes: how far apart two rows must be before the difference means anything."""
    spans = []
    for rate in rates:
        interval = binomtest(round(rate * samples), samples).proportion_ci(0.95, "wilson")
        spans.append(f"{rate:.0%} [{interval.low:.0%}, {interval.high:.0%}]")
    return (
        f"Sampling noise: with {samples} fakes per synthesizer, the 95 % (Wilson) interval of a "
        f"retrieval rate is {', '.join(spans)}; rows that differ by less than about half that "
        "width are within noise of each other (the rows share their fakes, so this is a loose "
        "bound, not a paired test)."
    )


def write_ablation(runs: dict[str, Path], path: Path, command: str) -> Path:
    """Markdown table of ablation_rows under a header naming the command and the files, and
    the sampling noise of its rates."""
    payloads = read_runs(runs)
    rows = rows_of(payloads)
    samples = {payload["samples"] for payload in payloads.values()}
    lines = [
        "# Ablation: each recipe change, evaluated with the same protocol",
        "",
        f"Command: `{command}`",
        "",
        *(f"- {name}: `{file}`" for name, file in runs.items()),
        "",
        markdown_table(rows, ["synthesizer", "step"], ABLATION_COLUMNS),
        "",
        *(sampling_noise_note(count) for count in sorted(samples)),
        "",
    ]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines))
    return path
