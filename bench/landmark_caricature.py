"""Would a caricature of the face's geometry recover more of the target? The shipped TIRM draws
its mean-face prior on the landmarks dlib finds on the fake; what tells one person from another
there is how those points depart from an average face. Here each face's landmarks are pushed
further from the mean shape before the prior is drawn on them:

    points' = mean_fitted + factor * (points - mean_fitted)

where mean_fitted is the mean landmark shape of the CelebA training people (the template the
prior is drawn from, `dfrec.data.align.TEMPLATE_68`) moved onto the face's points by the
least-squares similarity (`dfrec.evaluation.caricature`), so pose, size and position stay as they
were and only the face's shape is exaggerated (factor 1: the shipped recovery). Two landmark
sources: found on the fake (what the service has) and the target's own (what a perfect landmark
finder would give).
Prints the judge's / FaceNet's retrieval of the true target (the evaluation's test sets, gallery
and exclusions); with --leak also how often the recovered target names the *source*, and with
--figure the first fakes' recoveries side by side.

    python -m bench.landmark_caricature [--people test] [--samples 128] [--factors 1 1.25 1.5]
        [--sources fake own] [--synthesizers swap blend] [--leak] [--figure PATH]

Not a test: a measurement, printed as a table.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import torch

from bench.landmark_sources import geometry_prior_model, recovered_targets
from dfrec.data.align import crop_landmarks_68, template_landmarks
from dfrec.data.faces import AlignedFaces
from dfrec.data.prepare import prepare_cache
from dfrec.evaluation.aggregate import FeatureCache
from dfrec.evaluation.caricature import caricature
from dfrec.evaluation.reference_faces import (
    RecoveryFigure,
    judged_test_data,
    leak_table,
    reference_rows,
    table_header,
)
from dfrec.evaluation.samples import HELD_OUT_SYNTHESIZERS, PEOPLE, SYNTHESIZERS
from dfrec.training.config import DEFAULT_DATA_ROOT

SOURCES = {"fake": "found on the fake", "own": "the target's own"}
FIGURE_ROWS = 6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--checkpoint", type=Path, default=Path("weights/dfrec-small.pt"))
    parser.add_argument("--people", choices=PEOPLE, default="test")
    parser.add_argument("--samples", type=int, default=128)
    parser.add_argument("--factors", type=float, nargs="+", default=[1.0, 1.25, 1.5])
    parser.add_argument("--sources", choices=SOURCES, nargs="+", default=list(SOURCES))
    parser.add_argument(
        "--synthesizers",
        nargs="+",
        choices=(*SYNTHESIZERS, *HELD_OUT_SYNTHESIZERS),
        default=list(SYNTHESIZERS),
    )
    parser.add_argument("--leak", action="store_true", help="also retrieve the source")
    parser.add_argument("--figure", type=Path, help="save the first fakes' recoveries here")
    args = parser.parse_args()
    model = geometry_prior_model(parser, args.checkpoint)
    size = model.config.geometry.image_size
    faces = AlignedFaces.load(prepare_cache(DEFAULT_DATA_ROOT, size))
    mean_shape = torch.from_numpy(template_landmarks(size))
    data, references, galleries = judged_test_data(
        size, args.samples, args.people, tuple(args.synthesizers)
    )
    title = f"landmarks (N = {args.samples}, {args.people} people), exaggeration factor"
    print(table_header("target", title))
    leaks, figure = [], RecoveryFigure(FIGURE_ROWS)
    for synthesizer in args.synthesizers:
        truth = data.sets[synthesizer]
        found = {  # only the sources asked for: dlib on 512 fakes takes a while
            source: crop_landmarks_68(truth.fake.numpy())
            if source == "fake"
            else faces.landmarks_68[truth.target_rows]
            for source in args.sources
        }
        targets = {
            f"{SOURCES[source]}, x{factor:g}": recovered_targets(
                model, truth.fake, caricature(torch.from_numpy(found[source]), mean_shape, factor)
            )
            for source in args.sources
            for factor in args.factors
        }
        figure.add(truth, targets)
        described = FeatureCache()
        for line in reference_rows(truth, "target", targets, references, galleries, described):
            print(line, flush=True)
        if args.leak:  # the same faces, described once
            leaks += reference_rows(truth, "source", targets, references, galleries, described)
    if args.leak:
        print(leak_table(title, leaks))
    if args.figure:
        print(f"\n{figure.save(args.figure)}")


if __name__ == "__main__":
    main()
