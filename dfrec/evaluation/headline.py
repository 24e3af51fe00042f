"""The headline results table, rendered from the results files (never typed by hand).

    python -m dfrec.evaluation.headline            # print it
    python -m dfrec.evaluation.headline --write README.md

`--write` replaces what lies between the README's `<!-- results:begin -->` and
`<!-- results:end -->` marks; tests/test_docs_site.py fails when the README's table is not what
the files say. The documentation's home page renders the same table at build time.

Sources, under `docs/eval/`: `results.json` (`dfrec evaluate`: the 128 fakes per kind on the
48 test people), `held-out/results.json` (held-out forgery kinds), `pristine.json`
(`bench/pristine_false_alarms.py`: every untouched photo), `wild/shipped.json`
(`dfrec evaluate --wild`: real tools' swaps), `wild/unseen-tools.json` (the same on tools never
used for choosing) and `wild/video-frames.json` (with `--wild-negatives`: real video frames).
Every file must have measured the same checkpoint: a stale one is refused.
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
VIDEO_FRAMES = "real-video-frames"  # the --wild-negatives group of wild/video-frames.json
SOURCES = (
    "results.json",
    "held-out/results.json",
    "pristine.json",
    "wild/shipped.json",
    "wild/unseen-tools.json",
    "wild/video-frames.json",
)


class Results:
    """The results files of one shipped checkpoint, read once."""

    def __init__(self, eval_dir: Path) -> None:
        files = {name: json.loads((eval_dir / name).read_text()) for name in SOURCES}
        versions = {name: payload["checkpoint_version"] for name, payload in files.items()}
        if stale := {name: v for name, v in versions.items() if v != versions["results.json"]}:
            raise ValueError(
                f"results files measured another checkpoint than results.json "
                f"({versions['results.json']}): {stale}"
            )
        self.main, self.held_out, self.pristine = (files[name] for name in SOURCES[:3])
        self.wild, self.unseen, self.frames = (files[name] for name in SOURCES[3:])

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

    def wild_row(self, tool: str, detector: str, run: str = "wild") -> dict[str, Any]:
        """A detection row (against the set's own unedited photos) of wild-dev, or of the
        unseen tools with run="unseen"."""
        for row in (self.unseen if run == "unseen" else self.wild)["detection"]["wild"]:
            if (row["tool"], row["detector"]) == (tool, detector):
                return row
        raise KeyError(f"no {run} row for {tool} / {detector}")

    def wild_auc(self, tool: str, detector: str, run: str = "wild") -> str:
        return auc(self.wild_row(tool, detector, run)["auc"])

    def unseen_tools(self) -> list[str]:
        rows = self.unseen["detection"]["wild"]
        return [tool for tool in dict.fromkeys(row["tool"] for row in rows) if tool != "overall"]

    def frames_forged(self, detector: str) -> str:
        for row in self.frames["false_alarms"]:
            if (row["group"], row["detector"]) == (VIDEO_FRAMES, detector):
                return f"{percent_format(row['false_alarms_at_shipped'])} of {row['photos']}"
        raise KeyError(f"no {VIDEO_FRAMES} false alarms for {detector}")

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
            "swaps by tools never used for choosing, ISM AUC ("
            + " / ".join(results.unseen_tools())
            + ")",
            f"{results.wild_auc('overall', 'ISM', 'unseen')} ("
            + " / ".join(results.wild_auc(t, "ISM", "unseen") for t in results.unseen_tools())
            + ")",
            f"LRE {results.wild_auc('overall', 'LRE', 'unseen')}",
        ),
        (
            "**real video frames called forged (> 0.5)** (32 real clips, 15 sources)",
            f"**{results.frames_forged('ISM')}**",
            f"LRE {results.frames_forged('LRE')}, fused {results.frames_forged('fused')}",
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
