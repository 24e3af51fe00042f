"""Does the recovered target's lead over the fake depend on how many people the gallery holds?
The evaluation asks the judge to name the target among the 48 test people; this asks it on the
training people's fixed sets (the same seeds) among all 192 of them, and among random galleries
of 48 that, like the evaluation's, always hold the forgery's target and source (the rest drawn
at random, several draws per query). Judge top-1 of the true target, and how often the judge
names the source there.

    python bench/gallery_size.py [--checkpoint weights/dfrec-small.pt] [--samples 512]

Not a test: a measurement, printed as a table.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from dfrec.checkpoint import load_checkpoint
from dfrec.evaluation.aggregate import FeatureCache
from dfrec.evaluation.identity import person_scores
from dfrec.evaluation.methods import DFRECMethod
from dfrec.evaluation.reference_faces import judged_test_data
from dfrec.evaluation.samples import SYNTHESIZERS
from dfrec.pipeline import Recoverer


def small_gallery_rates(
    scores: np.ndarray, targets: np.ndarray, sources: np.ndarray, size: int, draws: int
) -> tuple[float, float]:
    """(target, source) top-1 rates among `size` people: the query's target and source and
    size - 2 others at random, averaged over draws per query. scores: (N, P); targets,
    sources: (N,) columns of scores."""
    rng = np.random.default_rng(0)
    target_hits = source_hits = 0
    for per_person, target, source in zip(scores, targets, sources, strict=True):
        pair = [target, source]
        others = np.setdiff1d(np.arange(scores.shape[1]), pair)
        for _ in range(draws):
            pick = np.concatenate([pair, rng.choice(others, size - 2, replace=False)])
            best = pick[np.argmax(per_person[pick])]
            target_hits += best == pair[0]
            source_hits += best == pair[1]
    total = len(scores) * draws
    return target_hits / total, source_hits / total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--checkpoint", type=Path, default=Path("weights/dfrec-small.pt"))
    parser.add_argument("--samples", type=int, default=512)
    parser.add_argument("--gallery-people", type=int, default=48)
    parser.add_argument("--draws", type=int, default=20, help="random galleries per query")
    args = parser.parse_args()
    recoverer = Recoverer(load_checkpoint(args.checkpoint)[0])
    dfrec = DFRECMethod(recoverer)  # the evaluation's chunked pipeline
    size = recoverer.geometry.image_size
    data, _, galleries = judged_test_data(size, args.samples, "train")
    gallery = galleries.judge
    everyone = len(gallery.people)
    print(
        f"| synthesizer | query (N = {args.samples}, training people) | top-1 tgt, all {everyone} "
        f"people | top-1 tgt, {args.gallery_people} people | names the source, "
        f"{args.gallery_people} people |\n|---|---|---|---|---|"
    )
    for synthesizer in SYNTHESIZERS:
        truth = data.sets[synthesizer]
        excluded = np.stack([truth.source_rows, truth.target_rows], axis=1)
        targets = np.searchsorted(gallery.people, truth.target_people)  # people are sorted
        sources = np.searchsorted(gallery.people, truth.source_people)
        queries = {"None (the fake)": truth.fake, "DFREC": dfrec.run(truth.fake).target}
        for name, images in queries.items():
            scores = person_scores(FeatureCache().descriptor(images), excluded, gallery)
            everyone_rate = (scores.argmax(axis=1) == targets).mean()
            target_rate, source_rate = small_gallery_rates(
                scores, targets, sources, args.gallery_people, args.draws
            )
            print(
                f"| {synthesizer} | {name} | {100 * everyone_rate:.1f} % | "
                f"{100 * target_rate:.1f} % | {100 * source_rate:.1f} % |",
                flush=True,
            )


if __name__ == "__main__":
    main()
