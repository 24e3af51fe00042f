"""What should surround a recovered source face? The dlib judge's and FaceNet's top-1 retrieval
of the true source person from reference faces built around the pasted inner face:

- the fake itself (the evaluation's None row) and the true source (the protocol's ceiling);
- the fake inside the pasted region (the true mask) and, outside it, grey; the fake's own
  low-pass (sigma = the synthesizer's lighting blur); the mean training face;
- with --checkpoint, the same three with the ISM's mask instead of the true one, and the
  checkpoint's recovered source (the SIRM fills in outside the mask).

    python bench/source_references.py [--samples 128] [--people train] [--checkpoint FILE]

--people train builds the sets from the training people (gallery: all their photos), so that
a choice read off this table is not read off the test people. Not a test: a measurement.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import torch

from dfrec.data.faces import AlignedFaces
from dfrec.data.prepare import prepare_cache
from dfrec.data.splits import folder_split
from dfrec.data.synth import LIGHTING_SIGMA_FRACTION
from dfrec.evaluation.degradations import low_pass
from dfrec.evaluation.methods import DFRECMethod
from dfrec.evaluation.reference_faces import judged_test_data, reference_rows, table_header
from dfrec.evaluation.samples import PEOPLE, SPLIT_SEED, SYNTHESIZERS, TEST_FRACTION
from dfrec.pipeline import Recoverer
from dfrec.registry import create_config
from dfrec.training.config import DEFAULT_DATA_ROOT
from dfrec.training.loop import mean_face

IMAGE_SIZE = create_config("small").geometry.image_size


def training_mean_face(data_root: Path) -> torch.Tensor:
    """The mean aligned face of the training people: (3, S, S) in [0, 1]."""
    faces = AlignedFaces.load(prepare_cache(data_root, IMAGE_SIZE))
    train = folder_split(data_root, TEST_FRACTION, SPLIT_SEED).train
    return mean_face(faces, faces.indices_of(list(train)))


def around(inner: torch.Tensor, mask: torch.Tensor, outside: torch.Tensor) -> torch.Tensor:
    """mask * inner + (1 - mask) * outside; (N, 3, S, S) with mask (N, 1, S, S)."""
    return (mask * inner + (1 - mask) * outside).float().contiguous()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=128)
    parser.add_argument("--people", choices=PEOPLE, default="test")
    parser.add_argument("--checkpoint", type=Path)
    args = parser.parse_args()
    data, references, galleries = judged_test_data(IMAGE_SIZE, args.samples, args.people)
    model = DFRECMethod(Recoverer.from_checkpoint(args.checkpoint)) if args.checkpoint else None
    mean = training_mean_face(DEFAULT_DATA_ROOT)[None]
    sigma = IMAGE_SIZE * LIGHTING_SIGMA_FRACTION
    print(table_header("source", f"reference face ({args.people} people, N = {args.samples})"))
    for synthesizer in SYNTHESIZERS:
        truth = data.sets[synthesizer]
        fake = truth.fake
        outsides = {
            "grey": torch.full_like(fake, 0.5),
            "the fake's low-pass": low_pass(fake, sigma),
            "the mean training face": mean.expand_as(fake),
        }
        faces = {"the fake itself (None)": fake, "the true source": truth.source}
        for name, outside in outsides.items():
            faces[f"true mask, outside = {name}"] = around(fake, truth.mask, outside)
        if model is not None:
            recovery = model.run(fake)  # the evaluation's chunked DFREC path
            for name, outside in outsides.items():
                faces[f"ISM mask, outside = {name}"] = around(fake, recovery.mask, outside)
            faces["the checkpoint's recovered source"] = recovery.source
        for line in reference_rows(truth, "source", faces, references, galleries):
            print(line, flush=True)


if __name__ == "__main__":
    main()
