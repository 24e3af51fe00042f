"""The headline results table, rendered from the results files (never typed by hand).

    python -m dfrec.evaluation.headline            # print it
    python -m dfrec.evaluation.headline --write README.md

`--write` replaces what lies between the README's `<!-- results:begin -->` and
`<!-- results:end -->` marks; tests/test_docs_site.py fails when the README's table is not what
the files say. The documentation's home page renders the same table at build time.

Sources, under `docs/eval/`: `results.json` (`dfrec evaluate`: the 128 fakes per kind on the
48 test people), `held-out/results.json` (held-out forgery kinds), `pristine.json`
(`bench/pristine_false_alarms.py`: every untouched photo), `wild/shipped.json`
(`dfrec evaluate --wild`: real tools' swaps).
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from dfrec.evaluation.report import number_format, percent_format

BEGIN = "<!-- results:begin -->"
END = "<!-- results:end -->"
EVAL_DIR = Path(__file__).resolve().parents[2] / "docs" / "eval"
WILD_TOOLS = (
    "DeepFakes (FF++ method)",
    "MegaFS",
    "SimSwap",
    "DiffFace",
    "HifiFace",
    "InfoSwap",
    "FaceShifter",
)
auc = number_format(3)


class Results:
    """The results files of one shipped checkpoint, read once."""

    def __init__(self, eval_dir: Path) -> None:
        read = lambda name: json.loads((eval_dir / name).read_text())  # noqa: E731
        self.main = read("results.json")
        self.held_out = read("held-out/results.json")
        self.pristine = read("pristine.json")
        self.wild = read("wild/shipped.json")

    def clean(self, source: dict[str, Any], synthesizer: str, method: str, key: str) -> Any:
        """The clean-input value of `key` for one synthesizer and method."""
        for row in source["rows"]:
            if (row["synthesizer"], row["condition"], row["method"]) == (
                synthesizer,
                "clean",
                method,
            ):
                return row.get(key)
        raise KeyError(f"no clean row for {synthesizer} / {method}")

    def pair(self, method: str, key: str, form: Callable[[Any], str]) -> str:
        """`swap / blend` of the main evaluation."""
        return " / ".join(
            form(self.clean(self.main, kind, method, key)) for kind in ("swap", "blend")
        )

    def wild_row(self, tool: str, detector: str) -> dict[str, Any]:
        for row in self.wild["detection"]["wild"]:
            if (row["tool"], row["detector"]) == (tool, detector):
                return row
        raise KeyError(f"no wild row for {tool} / {detector}")

    def wild_auc(self, tool: str, detector: str) -> str:
        return auc(self.wild_row(tool, detector)["auc"])

    def called_forged(self, group: str) -> str:
        share = self.pristine["tables"]["ISM"][group]
        return f"{percent_format(share['called_forged'])} of {share['photos']}"


def headline_rows(results: Results) -> list[tuple[str, str, str]]:
    """(what, measured, against) rows."""
    held_out = " / ".join(
        auc(results.clean(results.held_out, kind, "DFREC", "auc"))
        for kind in results.held_out["synthesizers"]
    )
    tools = [(tool, results.wild_auc(tool, "ISM")) for tool in WILD_TOOLS]
    return [
        (
            "ISM detection AUC, our swaps / blends",
            results.pair("DFREC", "auc", auc),
            f"LRE {results.pair('LRE', 'auc', auc)}",
        ),
        ("ISM mask IoU, swaps / blends", results.pair("DFREC", "mask_iou", auc), "—"),
        (
            f"held-out kinds no network saw, AUC ({', '.join(results.held_out['synthesizers'])})",
            held_out,
            "—",
        ),
        (
            "untouched photos of unseen people called forged (> 0.5)",
            results.called_forged("test people"),
            f"the training people's: {results.called_forged('train people')}",
        ),
        (
            "**real tools' swaps, ISM AUC** (wild-dev, against the same repositories' photos)",
            f"**{results.wild_auc('overall', 'ISM')}**",
            f"LRE {results.wild_auc('overall', 'LRE')}, "
            f"fused {results.wild_auc('overall', 'fused')}",
        ),
        (
            "— per tool: " + " / ".join(tool for tool, _ in tools),
            " / ".join(value for _, value in tools),
            "—",
        ),
        (
            "recovered target: judge names the true target, swaps / blends",
            results.pair("DFREC", "target_judge_top1", percent_format),
            f"None (the fake itself) {results.pair('None', 'target_judge_top1', percent_format)}"
            f", DRN {results.pair('DRN', 'target_judge_top1', percent_format)}",
        ),
        (
            "recovered source: judge names the true source, swaps / blends",
            results.pair("DFREC", "source_judge_top1", percent_format),
            f"None {results.pair('None', 'source_judge_top1', percent_format)}",
        ),
        (
            "Acc_id (real / fake by identity change), swaps / blends",
            results.pair("DFREC", "acc_id", percent_format),
            f"DRN {results.pair('DRN', 'acc_id', percent_format)}",
        ),
    ]


def headline_table(eval_dir: Path = EVAL_DIR) -> str:
    """The markdown table, its header naming the checkpoint the files measured."""
    results = Results(eval_dir)
    lines = [
        f"Weights `{results.main['checkpoint_version']}`; "
        f"{results.main['samples']} fakes per kind on {results.main['gallery_people']} test "
        f"people no network saw, and {results.wild_row('overall', 'ISM')['fakes']} swaps by real "
        "tools. Generated from `docs/eval/` by `python -m dfrec.evaluation.headline`.",
        "",
        "| what | measured | against |",
        "|---|---|---|",
    ]
    lines += [
        f"| {what} | {measured} | {against} |" for what, measured, against in headline_rows(results)
    ]
    return "\n".join(lines) + "\n"


def replace_block(text: str, table: str) -> str:
    """`text` with the part between BEGIN and END replaced by `table`."""
    start, end = text.index(BEGIN) + len(BEGIN), text.index(END)
    return text[:start] + "\n" + table + text[end:]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", type=Path, help="a markdown file with the results marks")
    args = parser.parse_args()
    table = headline_table()
    if args.write is None:
        print(table, end="")
        return
    args.write.write_text(replace_block(args.write.read_text(), table))


if __name__ == "__main__":
    main()
