"""How often does the ISM call an untouched photo forged, on people it trained on and on people
it never saw? Every aligned pristine photo of the train and the test identities (the training's
identity split) goes through the ISM; a photo is a false alarm when its fake probability is above
a threshold (0.5: the service's reading of "forged"). Beside each threshold: the share of the
evaluation's fakes (its fixed swap and blend sets) that it still catches.

    python bench/pristine_false_alarms.py [--checkpoint weights/dfrec-small.pt] [--samples 128]
        [--lre weights/lre-small.pt] [--json docs/eval/pristine.json]

With --lre, the same table again for "both detectors agree": a photo is called forged only when
the ISM's and LRE's fake probabilities are both above the threshold (the service returns both
per face, so a client can read them this way).

The evaluation's AUC ranks fakes against pristine faces; this is the error at the operating points
a moderator sees, over all photos rather than a sample. Not a test: a measurement, printed.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import torch

from dfrec.checkpoint import load_checkpoint, version_label
from dfrec.cli import DEFAULT_CHECKPOINT
from dfrec.data.faces import AlignedFaces
from dfrec.data.prepare import prepare_cache
from dfrec.data.splits import folder_split
from dfrec.evaluation.methods import DFRECMethod, LREMethod
from dfrec.evaluation.samples import SPLIT_SEED, TEST_FRACTION, SampleSet, load_test_data
from dfrec.pipeline import Recoverer
from dfrec.training.config import DEFAULT_DATA_ROOT

THRESHOLDS = (0.5, 0.7, 0.9)
FORGED_ABOVE = THRESHOLDS[0]  # the service's reading of "forged"
BATCH = 64
KINDS = ("swap", "blend")  # the evaluation's fakes, after the pristine photos in each table
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


def fake_probabilities(
    detector: DFRECMethod | LREMethod,
    faces: AlignedFaces,
    rows: dict[str, np.ndarray],
    sets: dict[str, SampleSet],
) -> dict[str, np.ndarray]:
    """The detector's fake probability of every photo of each named group of face-cache rows
    (N_group,), then of the evaluation's swap and blend fakes (samples,), in that order."""
    pristine = {
        name: np.concatenate(
            [detector.run(batch).fake_probability.numpy() for batch in crop_batches(faces.crops[r])]
        )
        for name, r in rows.items()
    }
    fakes = {kind: detector.run(sets[kind].fake).fake_probability.numpy() for kind in KINDS}
    return pristine | fakes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--checkpoint", type=Path, default=DEFAULT_CHECKPOINT)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA_ROOT)
    parser.add_argument("--samples", type=int, default=128, help="evaluation fakes per kind")
    parser.add_argument("--lre", type=Path, help="also the table for ISM and this LRE agreeing")
    parser.add_argument("--json", type=Path, help="also write the shares above 0.5 here")
    args = parser.parse_args()
    model, metadata = load_checkpoint(args.checkpoint)
    image_size = model.config.geometry.image_size
    ism = DFRECMethod(Recoverer(model), recover=False)  # the evaluation's ISM-only path
    faces = AlignedFaces.load(prepare_cache(args.data, image_size))
    split = folder_split(args.data, TEST_FRACTION, SPLIT_SEED)
    print(f"{args.checkpoint} (step {metadata.get('step')}), fake probability > {FORGED_ABOVE}")
    sets = load_test_data(args.data, image_size, args.samples, progress=False).sets
    people = {"train people": split.train, "test people": split.test}
    rows = {name: faces.indices_of(list(identities)) for name, identities in people.items()}
    tables = {"ISM": fake_probabilities(ism, faces, rows, sets)}
    if args.lre is not None:  # both above a threshold = their lower probability above it
        lre = fake_probabilities(LREMethod(args.lre), faces, rows, sets)
        tables["ISM and LRE"] = {
            name: np.minimum(p, lre[name]) for name, p in tables["ISM"].items()
        }
    for table, probabilities in tables.items():
        print(f"{table}:")
        for name, people_rows in rows.items():
            report(name, probabilities[name], faces.identities[people_rows])
        print_thresholds(list(probabilities.values()))
    if args.json is not None:
        summary = {
            "command": "python bench/pristine_false_alarms.py " + " ".join(sys.argv[1:]),
            "checkpoint_version": version_label(args.checkpoint),
            "forged_above": FORGED_ABOVE,
            "tables": {
                table: {
                    name: {"photos": len(p), "called_forged": float((p > FORGED_ABOVE).mean())}
                    for name, p in probabilities.items()
                }
                for table, probabilities in tables.items()
            },
        }
        args.json.write_text(json.dumps(summary, indent=1) + "\n")


def print_thresholds(probabilities: list[np.ndarray]) -> None:
    """The share above each threshold of: training people's photos, test people's, swaps, blends."""
    print("threshold | false alarms, train people | test people | swaps caught | blends caught")
    for threshold in THRESHOLDS:
        shares = " | ".join(f"{(p > threshold).mean():.1%}" for p in probabilities)
        print(f"{threshold:9.1f} | {shares}")


if __name__ == "__main__":
    main()
