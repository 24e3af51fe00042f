"""How far can target recovery go on these fakes? The dlib judge's and FaceNet's top-1 / top-5
retrieval of the true target person (the evaluation's test sets, gallery and exclusions) from
reference faces no recovery can beat:

- the fake itself (the evaluation's None row);
- the true target (the ceiling of the retrieval protocol itself);
- the true target with the pasted region replaced by its own low-pass (Gaussian, sigma = the
  synthesizer's lighting-transfer blur): all the target's own pixels the fake still holds, plus
  the inner face's light, which the synthesizer carries over into the pasted face;
- the same with the fake's low-pass instead (what is actually in the fake);
- the true target with the pasted region grey (context alone);
- the true target with the mean training face pasted into the pasted region, warped onto the
  target's 68 landmarks and recoloured and relit as the synthesizer does: a recovery that knows
  the target's face geometry and nothing else of its inner face. A swap's fake holds that
  geometry (the source is warped onto the target's landmarks); a blend's does not;
- the same mean face not warped (on the mean landmarks): a sharp face in the right light and
  context, without the target's geometry;
- the same mean face on the landmarks dlib finds on the fake (as the shipped TIRM's geometry
  prior gets them): the part of that geometry a recovery can read off the fake.

    python bench/retrieval_ceiling.py [--samples 128]

Not a test: a measurement, printed as a table.
"""

from __future__ import annotations

import argparse

import numpy as np
import torch

from dfrec.data.align import crop_landmarks_68
from dfrec.data.color import match_colour, match_lighting
from dfrec.data.faces import AlignedFaces
from dfrec.data.prepare import prepare_cache
from dfrec.data.splits import folder_split
from dfrec.data.synth import LIGHTING_SIGMA_FRACTION, paste, to_float
from dfrec.data.warp import piecewise_affine_warp
from dfrec.evaluation.degradations import low_pass
from dfrec.evaluation.reference_faces import judged_test_data, reference_rows, table_header
from dfrec.evaluation.samples import (
    SPLIT_SEED,
    SYNTHESIZERS,
    TEST_FRACTION,
    SampleSet,
)
from dfrec.registry import create_config
from dfrec.training.config import DEFAULT_DATA_ROOT

IMAGE_SIZE = create_config("small").geometry.image_size


def mean_face_on_target_geometry(
    truth: SampleSet,
    faces: AlignedFaces,
    mean_crop: np.ndarray,
    mean_landmarks: np.ndarray,
    landmarks: np.ndarray | None = None,
) -> torch.Tensor:
    """(N, 3, S, S): each true target with the mean face (S, S, 3) in [0, 1], whose landmarks
    are mean_landmarks (68, 2), warped onto the target's landmarks (or onto `landmarks`
    (N, 68, 2); mean_landmarks there: not warped) and pasted under the true mask with the
    synthesizer's colour and light transfer."""
    sigma = IMAGE_SIZE * LIGHTING_SIGMA_FRACTION
    images = []
    if landmarks is None:
        landmarks = faces.landmarks_68[truth.target_rows]
    for row, mask, points in zip(
        truth.target_rows, truth.mask[:, 0].numpy(), landmarks, strict=True
    ):
        target = to_float(faces.crops[row])
        warped = piecewise_affine_warp(mean_crop, mean_landmarks, points)
        content = match_lighting(match_colour(warped, target, mask), target, mask, sigma)
        images.append(paste(content, target, mask).transpose(2, 0, 1))
    return torch.from_numpy(np.stack(images).astype(np.float32))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=128)
    args = parser.parse_args()
    data, references, galleries = judged_test_data(IMAGE_SIZE, args.samples)
    sigma = IMAGE_SIZE * LIGHTING_SIGMA_FRACTION
    aligned = AlignedFaces.load(prepare_cache(DEFAULT_DATA_ROOT, IMAGE_SIZE))
    split = folder_split(DEFAULT_DATA_ROOT, TEST_FRACTION, SPLIT_SEED)
    train_rows = aligned.indices_of(list(split.train))
    mean_crop = aligned.crops[train_rows].astype(np.float32).mean(0) / 255.0
    mean_landmarks = aligned.landmarks_68[train_rows].mean(0)
    print(table_header("target", f"reference face (N = {args.samples})"))
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
            "target, pasted region = the mean face on the target's landmarks": (
                mean_face_on_target_geometry(truth, aligned, mean_crop, mean_landmarks)
            ),
            "target, pasted region = the mean face, not warped": mean_face_on_target_geometry(
                truth, aligned, mean_crop, mean_landmarks, np.stack([mean_landmarks] * len(truth))
            ),
            "target, pasted region = the mean face on the landmarks found on the fake": (
                mean_face_on_target_geometry(
                    truth, aligned, mean_crop, mean_landmarks, crop_landmarks_68(truth.fake.numpy())
                )
            ),
        }
        for line in reference_rows(truth, "target", faces, references, galleries):
            print(line, flush=True)


if __name__ == "__main__":
    main()
