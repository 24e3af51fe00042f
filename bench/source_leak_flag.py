"""Can the service tell, without knowing anyone, when its recovered target still shows the
source? The worst answer a recovery gives is the pasted person named as the edited one (the
judge names the source from the recovered target for 8.6 / 15.2 % of the test people's swaps /
blends at 512 fakes, 28.1 % of the held-out similarity swaps). This scores every recovered
target with a number the service has at inference: the FaceNet cosine (tight crops) between
the recovered target and the recovered source ("target ~ source") or the fake itself ("target ~
fake"), and prints how well each score ranks the leaks (the judge names the source from the
recovered target) above the rest (AUROC), and, at the thresholds that flag 5 / 10 / 20 % of the
training people's clean recoveries (those that do not name the source), what share of the
leaks and of the right answers (the judge names the target) each flag catches.

    python bench/source_leak_flag.py [--checkpoint weights/dfrec-small.pt] [--samples 128]
        [--synthesizers swap blend similarity_swap]

Thresholds come from the training people; the test people are only scored with them. Not a
test: a measurement, printed as tables.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import torch

from dfrec.evaluation.aggregate import FeatureCache
from dfrec.evaluation.identity import identity_ranks
from dfrec.evaluation.methods import DFRECMethod
from dfrec.evaluation.reference_faces import judged_test_data
from dfrec.evaluation.samples import HELD_OUT_SYNTHESIZERS, SYNTHESIZERS
from dfrec.metrics import roc_auc
from dfrec.pipeline import Recoverer

FLAGGED_CLEAN = (0.05, 0.10, 0.20)  # share of the training people's clean recoveries flagged
SCORES = ("target ~ source", "target ~ fake")


def scored_recoveries(recoverer: Recoverer, people: str, samples: int, synthesizers):
    """Per synthesizer: {score name: (N,) cosines, "leak": (N,) bool, "right": (N,) bool}."""
    data, _, galleries = judged_test_data(
        recoverer.geometry.image_size, samples, people, tuple(synthesizers)
    )
    method, results = DFRECMethod(recoverer), {}
    for synthesizer in synthesizers:
        truth = data.sets[synthesizer]
        output = method.run(truth.fake)
        faces = FeatureCache()
        target = faces.tight_embedding(output.target)
        cosines = {
            "target ~ source": (target * faces.tight_embedding(output.source)).sum(1),
            "target ~ fake": (target * faces.tight_embedding(truth.fake)).sum(1),
        }
        described = faces.descriptor(output.target)
        excluded = np.stack([truth.source_rows, truth.target_rows], axis=1)
        judged = {
            side: identity_ranks(described, side_people, excluded, galleries.judge) == 1
            for side, side_people in (("leak", truth.source_people), ("right", truth.target_people))
        }
        results[synthesizer] = {name: c.numpy() for name, c in cosines.items()} | judged
    return results


def thresholds(train: dict) -> dict[str, list[float]]:
    """Per score, the cosine above which FLAGGED_CLEAN of the training people's clean
    recoveries (all synthesizers together) lie."""
    clean = {name: np.concatenate([r[name][~r["leak"]] for r in train.values()]) for name in SCORES}
    return {
        name: [float(np.quantile(c, 1 - share)) for share in FLAGGED_CLEAN]
        for name, c in clean.items()
    }


def table(people: str, results: dict, cuts: dict[str, list[float]]) -> str:
    flags = " | ".join(f"flag {int(100 * s)} %: leaks / right / all" for s in FLAGGED_CLEAN)
    lines = [
        f"\n{people} people",
        "",
        f"| synthesizer | score | leaks (judge) | AUROC | {flags} |",
        "|---|---|---|---|" + "---|" * len(FLAGGED_CLEAN),
    ]
    for synthesizer, r in results.items():
        leak, right = r["leak"], r["right"]
        for name in SCORES:
            score = r[name]
            auroc = roc_auc(score, leak) if 0 < leak.sum() < len(leak) else float("nan")
            cells = []
            for cut in cuts[name]:
                flagged = score > cut
                everyone = f"{100 * flagged.mean():.1f} %"
                cells.append(f"{_share(flagged, leak)} / {_share(flagged, right)} / {everyone}")
            lines.append(
                f"| {synthesizer} | {name} | {100 * leak.mean():.1f} % ({leak.sum()}) | "
                f"{auroc:.3f} | " + " | ".join(cells) + " |"
            )
    return "\n".join(lines)


def _share(flagged: np.ndarray, among: np.ndarray) -> str:
    """Share of `among` that is flagged, in %."""
    return f"{100 * flagged[among].mean():.1f} %" if among.any() else "—"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--checkpoint", type=Path, default=Path("weights/dfrec-small.pt"))
    parser.add_argument("--samples", type=int, default=128)
    parser.add_argument(
        "--synthesizers",
        nargs="+",
        choices=SYNTHESIZERS + HELD_OUT_SYNTHESIZERS,
        default=["swap", "blend", "similarity_swap"],
    )
    args = parser.parse_args()
    torch.set_grad_enabled(False)
    recoverer = Recoverer.from_checkpoint(args.checkpoint)
    train = scored_recoveries(recoverer, "train", args.samples, args.synthesizers)
    cuts = thresholds(train)
    print("thresholds (cosine):", {name: [round(c, 3) for c in cs] for name, cs in cuts.items()})
    print(table("train", train, cuts))
    test = scored_recoveries(recoverer, "test", args.samples, args.synthesizers)
    print(table("test", test, cuts), flush=True)


if __name__ == "__main__":
    main()
