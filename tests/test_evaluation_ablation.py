"""The ablation table takes every number from the evaluations' JSON files."""

import json
from pathlib import Path

from dfrec.evaluation.ablation import ablation_rows, write_ablation


def payload(target_top1: float) -> dict:
    rows = []
    for synthesizer in ("swap", "blend"):
        for method, value in (("None", 0.1), ("DFREC", target_top1)):
            rows.append(
                {
                    "synthesizer": synthesizer,
                    "condition": "clean",
                    "method": method,
                    "target_judge_top1": value,
                }
            )
        rows.append(
            {"synthesizer": synthesizer, "condition": "JPEG q50", "method": "DFREC", "x": 0}
        )
    return {"synthesizers": ["swap", "blend"], "rows": rows, "samples": 128}


def test_rows_keep_none_once_then_each_run_in_order(tmp_path: Path):
    runs = {}
    for name, value in (("first", 0.2), ("second", 0.4)):
        runs[name] = tmp_path / f"{name}.json"
        runs[name].write_text(json.dumps(payload(value)))
    rows = ablation_rows(runs)
    assert [(row["synthesizer"], row["step"]) for row in rows] == [
        ("swap", "None (the fake itself)"),
        ("swap", "first"),
        ("swap", "second"),
        ("blend", "None (the fake itself)"),
        ("blend", "first"),
        ("blend", "second"),
    ]
    assert [row["target_judge_top1"] for row in rows[:3]] == [0.1, 0.2, 0.4]
    table = write_ablation(runs, tmp_path / "ablation.md", "dfrec ablation (test)").read_text()
    assert "| swap | second | 40.0 % |" in table and "dfrec ablation (test)" in table
    assert "with 128 fakes per synthesizer" in table and "10% [6%, 17%]" in table
