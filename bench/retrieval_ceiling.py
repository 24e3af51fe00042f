"""How far can target recovery go on these fakes? The dlib judge's and FaceNet's top-1 / top-5
retrieval of the true target person (the evaluation's test sets, gallery and exclusions) from
reference faces no recovery can beat:

- the fake itself (the evaluation's None row);
- the true target (the ceiling of the retrieval protocol itself);
- the true target with the pasted region replaced by its own low-pass (Gaussian, sigma = the
  synthesizer's lighting-transfer blur): all the target's own pixels the fake still holds, plus
  the inner face's light, which the synthesizer carries over into the pasted face;
- the same with the fake's low-pass instead (what is actually in the fake);
- the true target with the pasted region grey (context alone).

    python bench/retrieval_ceiling.py [--samples 128]

Not a test: a measurement, printed as a table.
"""

from __future__ import annotations

import argparse

from dfrec.data.synth import LIGHTING_SIGMA_FRACTION
from dfrec.evaluation.aggregate import FeatureCache, build_galleries
from dfrec.evaluation.degradations import low_pass
from dfrec.evaluation.reference_faces import reference_rows
from dfrec.evaluation.samples import SYNTHESIZERS, load_test_data
from dfrec.registry import create_config
from dfrec.training.config import DEFAULT_DATA_ROOT

IMAGE_SIZE = create_config("small").geometry.image_size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=128)
    args = parser.parse_args()
    data = load_test_data(DEFAULT_DATA_ROOT, IMAGE_SIZE, args.samples)
    references = FeatureCache()
    galleries = build_galleries(
        data.gallery_images, data.gallery_people, data.gallery_rows, references, judge=True
    )
    sigma = IMAGE_SIZE * LIGHTING_SIGMA_FRACTION
    print(
        f"| synthesizer | reference face (N = {args.samples}) | top-1 tgt (dlib) | "
        "top-5 tgt (dlib) | top-1 tgt (FaceNet) |"
    )
    print("|---|---|---|---|---|")
    for synthesizer in SYNTHESIZERS:
        truth = data.sets[synthesizer]
        pasted, kept = truth.mask, 1 - truth.mask
        faces = {
            "the fake itself (None)": truth.fake,
            "the true target": truth.target,
            "target, pasted region = its own low-pass": truth.target * kept
            + pasted * low_pass(truth.target, sigma),
            "target, pasted region = the fake's low-pass": truth.target * kept
            + pasted * low_pass(truth.fake, sigma),
            "target, pasted region grey": truth.target * kept + pasted * 0.5,
        }
        for line in reference_rows(truth, "target", faces, references, galleries):
            print(line, flush=True)


if __name__ == "__main__":
    main()
