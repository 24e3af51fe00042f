"""How often does the ISM call an untouched photo forged, on people it trained on and on people
it never saw? Every aligned pristine photo of the train and the test identities (the training's
identity split) goes through the ISM; a photo is a false alarm when its fake probability is above
a threshold (0.5: the service's reading of "forged"). Beside each threshold: the share of the
evaluation's fakes (its fixed swap and blend sets) that it still catches.

    python bench/pristine_false_alarms.py [--checkpoint weights/dfrec-small.pt] [--samples 128]

The evaluation's AUC ranks fakes against pristine faces; this is the error at the operating points
a moderator sees, over all photos rather than a sample. Not a test: a measurement, printed.
"""

from __future__ import annotations

import argparse
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import torch

from dfrec.checkpoint import load_checkpoint
from dfrec.cli import DEFAULT_CHECKPOINT
from dfrec.data.faces import AlignedFaces
from dfrec.data.prepare import prepare_cache
from dfrec.data.splits import folder_split
from dfrec.evaluation.methods import DFRECMethod
from dfrec.evaluation.samples import SPLIT_SEED, TEST_FRACTION, load_test_data
from dfrec.pipeline import Recoverer
from dfrec.training.config import DEFAULT_DATA_ROOT

THRESHOLDS = (0.5, 0.7, 0.9)
FORGED_ABOVE = THRESHOLDS[0]  # the service's reading of "forged"
BATCH = 64
WORST_PEOPLE = 5


def crop_batches(crops: np.ndarray) -> Iterator[torch.Tensor]:
    """(N, S, S, 3) uint8 aligned crops -> (B, 3, S, S) float batches in [0, 1]."""
    for start in range(0, len(crops), BATCH):
        yield torch.from_numpy(crops[start : start + BATCH]).permute(0, 3, 1, 2).float() / 255.0


def report(name: str, probabilities: np.ndarray, identities: np.ndarray) -> None:
    """One line: photos, false alarms, their rate, and the people with the highest rates."""
    alarms = probabilities > FORGED_ABOVE
    per_person: dict[str, list[bool]] = defaultdict(list)
    for identity, alarm in zip(identities, alarms, strict=True):
        per_person[str(identity)].append(bool(alarm))
    worst = sorted(per_person.items(), key=lambda item: -np.mean(item[1]))[:WORST_PEOPLE]
    people_with_alarms = sum(any(flags) for flags in per_person.values())
    print(
        f"{name:14s} {len(alarms):5d} photos of {len(per_person):3d} people: "
        f"{alarms.sum():4d} false alarms ({alarms.mean():.1%}), in {people_with_alarms} people; "
        "worst: " + ", ".join(f"{person} {sum(flags)}/{len(flags)}" for person, flags in worst)
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--checkpoint", type=Path, default=DEFAULT_CHECKPOINT)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA_ROOT)
    parser.add_argument("--samples", type=int, default=128, help="evaluation fakes per kind")
    args = parser.parse_args()
    model, metadata = load_checkpoint(args.checkpoint)
    image_size = model.config.geometry.image_size
    ism = DFRECMethod(Recoverer(model), recover=False)  # the evaluation's ISM-only path
    faces = AlignedFaces.load(prepare_cache(args.data, image_size))
    split = folder_split(args.data, TEST_FRACTION, SPLIT_SEED)
    print(f"{args.checkpoint} (step {metadata.get('step')}), fake probability > {FORGED_ABOVE}")
    pristine = {}
    for name, people in (("train people", split.train), ("test people", split.test)):
        rows = faces.indices_of(list(people))
        pristine[name] = np.concatenate(
            [ism.run(batch).fake_probability.numpy() for batch in crop_batches(faces.crops[rows])]
        )
        report(name, pristine[name], faces.identities[rows])
    sets = load_test_data(args.data, image_size, args.samples, progress=False).sets
    fakes = {kind: ism.run(sets[kind].fake).fake_probability.numpy() for kind in ("swap", "blend")}
    print("threshold | false alarms, train people | test people | swaps caught | blends caught")
    for threshold in THRESHOLDS:
        print(
            f"{threshold:9.1f} | "
            + " | ".join(
                f"{(probabilities > threshold).mean():.1%}"
                for probabilities in (*pristine.values(), *fakes.values())
            )
        )


if __name__ == "__main__":
    main()
