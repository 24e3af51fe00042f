"""How much would better landmarks give the shipped recovery? The shipped model's recovered
target with its geometry prior drawn on landmarks from different sources, each with its median
distance from the target's own landmarks and the judge's / FaceNet's retrieval of the true
target person (the evaluation's test sets, gallery and exclusions):

- found on the fake (what the shipped pipeline does);
- the mean of dlib's landmarks on 8 views of the fake: itself, its mirror image, four
  half-pixel shifts and two scalings (0.9, 1.1) about the centre, each mapped back;
- found on the shipped recovered target (a second pass: the prior drawn again where dlib finds
  the face the first pass drew);
- found on the fake with the ISM's region blurred (Gaussian sigma 2 px, weighted by m_s), so
  that the pasted face's fine texture pulls the points less;
- found on the true target's crop (dlib's own error on a real face, no forgery);
- the target's own (cached from its photo): the best any landmark source can give.

    python bench/landmark_sources.py [--checkpoint weights/dfrec-small.pt] [--people test]

Not a test: a measurement, printed as a table.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import cv2
import numpy as np
import torch

from dfrec.checkpoint import load_checkpoint
from dfrec.data.align import crop_landmarks_68
from dfrec.data.augment import mirror_landmarks
from dfrec.data.faces import AlignedFaces
from dfrec.data.prepare import prepare_cache
from dfrec.evaluation.degradations import low_pass
from dfrec.evaluation.reference_faces import judged_test_data, reference_rows, table_header
from dfrec.evaluation.samples import PEOPLE, SYNTHESIZERS
from dfrec.noise import batch_masking_noise
from dfrec.training.config import DEFAULT_DATA_ROOT

CHUNK = 16
SHIFTS = ((0.5, 0.5), (-0.5, -0.5), (0.5, -0.5), (-0.5, 0.5))  # pixels
SCALES = (0.9, 1.1)  # about the crop centre
REGION_BLUR_SIGMA = 2.0  # pixels


def landmarks_after(images: np.ndarray, matrix: np.ndarray) -> np.ndarray:
    """dlib's landmarks on images (N, 3, S, S) moved by the affine (2, 3), mapped back into the
    images' own pixels: (N, 68, 2)."""
    size = images.shape[-1]
    moved = [
        cv2.warpAffine(
            image.transpose(1, 2, 0), matrix, (size, size), borderMode=cv2.BORDER_REPLICATE
        )
        for image in images
    ]  # (S, S, 3) each
    moved = np.stack(moved).transpose(0, 3, 1, 2)
    inverse = cv2.invertAffineTransform(matrix)
    return crop_landmarks_68(moved) @ inverse[:, :2].T + inverse[:, 2]


def view_average_landmarks(images: np.ndarray) -> np.ndarray:
    """The mean of dlib's landmarks (N, 68, 2) on 8 views of images (N, 3, S, S)."""
    size = images.shape[-1]
    centre = (size - 1) / 2
    views = [crop_landmarks_68(images)]
    flipped = crop_landmarks_68(np.ascontiguousarray(images[..., ::-1]))
    views.append(np.stack([mirror_landmarks(points, size) for points in flipped]))
    for dx, dy in SHIFTS:
        views.append(landmarks_after(images, np.float32([[1, 0, dx], [0, 1, dy]])))
    for scale in SCALES:
        offset = centre - scale * centre
        views.append(landmarks_after(images, np.float32([[scale, 0, offset], [0, scale, offset]])))
    return np.mean(views, axis=0).astype(np.float32)


@torch.inference_mode()
def region_blurred(model, images: torch.Tensor) -> np.ndarray:
    """images (N, 3, S, S) blurred (REGION_BLUR_SIGMA) where the ISM's m_s marks them."""
    mask = torch.cat([model.ism(images[i : i + CHUNK]).mask for i in range(0, len(images), CHUNK)])
    return (mask * low_pass(images, REGION_BLUR_SIGMA) + (1.0 - mask) * images).numpy()


@torch.inference_mode()
def recovered_targets(model, images: torch.Tensor, landmarks: np.ndarray) -> torch.Tensor:
    """The model's recovered target (N, 3, S, S) with its prior drawn on landmarks (N, 68, 2)."""
    noise = torch.from_numpy(batch_masking_noise(images.numpy(), model.config.geometry.num_patches))
    points = torch.from_numpy(np.asarray(landmarks, np.float32))
    return torch.cat(
        [
            model(images[i : i + CHUNK], noise[i : i + CHUNK], points[i : i + CHUNK]).target
            for i in range(0, len(images), CHUNK)
        ]
    )


def geometry_prior_model(parser: argparse.ArgumentParser, checkpoint: Path):
    """The checkpoint's DFREC network; a parser error where its TIRM draws no geometry prior."""
    model, _ = load_checkpoint(checkpoint)
    if not model.config.tirm.geometry_prior:
        parser.error(f"{checkpoint} has no geometry prior: landmarks do not reach it")
    return model


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--checkpoint", type=Path, default=Path("weights/dfrec-small.pt"))
    parser.add_argument("--people", choices=PEOPLE, default="test")
    parser.add_argument("--samples", type=int, default=128)
    args = parser.parse_args()
    model = geometry_prior_model(parser, args.checkpoint)
    size = model.config.geometry.image_size
    faces = AlignedFaces.load(prepare_cache(DEFAULT_DATA_ROOT, size))
    data, references, galleries = judged_test_data(size, args.samples, args.people)
    print(table_header("target", f"landmarks (N = {args.samples}, median px from the target's)"))
    for synthesizer in SYNTHESIZERS:
        truth = data.sets[synthesizer]
        fakes, own = truth.fake.numpy(), faces.landmarks_68[truth.target_rows]
        shipped = crop_landmarks_68(fakes)
        first_pass = recovered_targets(model, truth.fake, shipped)
        sources = {
            "found on the fake (shipped)": shipped,
            "mean over 8 views of the fake": view_average_landmarks(fakes),
            "found on the recovered target": crop_landmarks_68(first_pass.numpy()),
            "found on the fake, the ISM's region blurred": crop_landmarks_68(
                region_blurred(model, truth.fake)
            ),
            "found on the true target's crop": crop_landmarks_68(truth.target.numpy()),
            "the target's own": own,
        }
        targets = {}
        for name, points in sources.items():
            error = np.median(np.linalg.norm(points - own, axis=-1))
            targets[f"{name}, {error:.2f} px"] = (
                first_pass if points is shipped else recovered_targets(model, truth.fake, points)
            )
        for line in reference_rows(truth, "target", targets, references, galleries):
            print(line, flush=True)


if __name__ == "__main__":
    main()
