"""Would a bolder or softer mask for the TIRM help the recovered target? Where the ISM is
unsure (m_s of 0.5-0.9 inside a pasted face) the mask composite keeps that share of the fake's
pixels, so the source shows through the recovered target; where it is sure, the MAE redraws
what the fake kept of the target. This feeds the TIRM a changed m_s (scaled, clipped, squared,
dilated, sharpened: sigmoid(k logit(m_s)), or joined with the hull of the landmarks found on
the fake where the ISM calls it forged: max(m_s, hull)) and prints the judge's / FaceNet's
retrieval of the true target, and the share of a pristine face's pixels it changes; the ISM and
SIRM are untouched. With --leak it also prints how often the recovered target names the
*source* (a softer mask keeps more of the fake, whose inner face is the source's). The TIRM
reads each named mask as it is (its config's own mask_gain is set to 1 here): a TIRM stored
with mask_gain 1.25 (ablation row 39) is the row "min(1, 1.25 m_s)".

    python bench/mask_gain.py [--checkpoint weights/dfrec-small.pt] [--people train] [--leak]
        [--synthesizers swap blend similarity_swap] [--figure docs/images/mask_gain_train.png]

Not a test: a measurement, printed as a table.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from dfrec.checkpoint import load_checkpoint
from dfrec.data.align import crop_landmarks_68
from dfrec.data.masks import feather, fill_hull, hull_points
from dfrec.evaluation.aggregate import FeatureCache
from dfrec.evaluation.reference_faces import (
    RecoveryFigure,
    judged_test_data,
    leak_table,
    reference_rows,
    table_header,
)
from dfrec.evaluation.samples import HELD_OUT_SYNTHESIZERS, PEOPLE, SYNTHESIZERS
from dfrec.models.dfrec import recover_source
from dfrec.noise import batch_masking_noise

CHUNK = 16
FIGURE_ROWS = 4  # per synthesizer


def bolder(gain: float):
    """min(1, gain m_s)."""
    return lambda mask: (gain * mask).clamp(max=1.0)


def sharpened(k: float):
    """sigmoid(k logit(m_s)): unsure values pushed towards 0 or 1."""
    return lambda mask: (k * mask.logit(eps=1e-4)).sigmoid()


TIRM_MASKS = {
    "m_s": lambda mask: mask,
    "min(1, 1.25 m_s)": bolder(1.25),
    "min(1, 1.5 m_s)": bolder(1.5),
    "min(1, 2 m_s)": bolder(2.0),
    "m_s dilated 5 px": lambda mask: F.max_pool2d(mask, 11, stride=1, padding=5),
    "0.75 m_s": lambda mask: 0.75 * mask,
    "0.85 m_s": lambda mask: 0.85 * mask,
    "0.65 m_s": lambda mask: 0.65 * mask,
    "0.5 m_s": lambda mask: 0.5 * mask,
    "m_s squared": lambda mask: mask**2,
    "m_s sharpened x2": sharpened(2.0),
    "m_s sharpened x3": sharpened(3.0),
}
HULL_MASKS = {  # name -> (dfrec.data.masks hull variant, feather sigma in px; 0: hard edge)
    "m_s + inner hull": ("inner", 0.0),
    "m_s + inner hull feathered": ("inner", 2.0),
    "m_s + face hull": ("face", 0.0),
}


def hull_union(
    mask: torch.Tensor, called: torch.Tensor, landmarks: np.ndarray, variant: str, sigma: float
) -> torch.Tensor:
    """max(m_s, hull of each face's found landmarks) on the faces the ISM calls forged.
    mask: (N, 1, S, S); called: (N,) bool; landmarks: (N, 68, 2)."""
    size = mask.shape[-1]
    hull = torch.from_numpy(
        np.stack([feather(fill_hull(hull_points(p, variant), size), sigma) for p in landmarks])
    )
    return torch.maximum(mask, called[:, None, None, None].float() * hull[:, None])


@torch.inference_mode()
def recover(model, images: torch.Tensor, landmarks: np.ndarray, names) -> dict[str, torch.Tensor]:
    """Recovered targets (N, 3, S, S), the TIRM fed each named mask."""
    noise = torch.from_numpy(batch_masking_noise(images.numpy(), model.config.geometry.num_patches))
    points = torch.from_numpy(np.asarray(landmarks, np.float32))
    results: dict[str, list] = {name: [] for name in names}
    for i in range(0, len(images), CHUNK):
        fake = images[i : i + CHUNK]
        ism = model.ism(fake)
        mask, called = ism.mask, ism.fake_logit > 0  # called forged: probability above 0.5
        identity = recover_source(model.sirm, fake, mask).target_identity
        for name in names:
            read = (
                TIRM_MASKS[name](mask)
                if name in TIRM_MASKS
                else hull_union(mask, called, landmarks[i : i + CHUNK], *HULL_MASKS[name])
            )
            tirm = model.tirm(fake, read, identity, noise[i : i + CHUNK], points[i : i + CHUNK])
            results[name].append(tirm.target)
    return {name: torch.cat(parts) for name, parts in results.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--checkpoint", type=Path, default=Path("weights/dfrec-small.pt"))
    parser.add_argument("--people", choices=PEOPLE, default="train")
    parser.add_argument("--samples", type=int, default=128)
    parser.add_argument(
        "--masks", nargs="+", choices=[*TIRM_MASKS, *HULL_MASKS], default=list(TIRM_MASKS)
    )
    parser.add_argument("--leak", action="store_true", help="also retrieve the source")
    parser.add_argument(
        "--synthesizers",
        nargs="+",
        choices=SYNTHESIZERS + HELD_OUT_SYNTHESIZERS,
        default=list(SYNTHESIZERS),
        help="the fakes' kinds (held-out kinds too)",
    )
    parser.add_argument("--figure", type=Path, help="save the first fakes' recoveries here")
    args = parser.parse_args()
    model = load_checkpoint(args.checkpoint)[0]
    model.tirm.mask_gain = 1.0  # the named masks are what the TIRM reads
    size = model.config.geometry.image_size
    data, references, galleries = judged_test_data(
        size, args.samples, args.people, tuple(args.synthesizers)
    )
    title = f"TIRM's mask (N = {args.samples}, {args.people} people)"
    print(table_header("target", title))
    leaks, figure = [], RecoveryFigure(FIGURE_ROWS)
    for synthesizer in (*args.synthesizers, "pristine"):
        truth = data.sets[synthesizer]
        landmarks = crop_landmarks_68(truth.fake.numpy())
        targets = recover(model, truth.fake, landmarks, args.masks)
        if synthesizer == "pristine":  # Acc_id's side: how much of a real face is redrawn
            for name, images in targets.items():
                changed = 100 * ((images - truth.fake).abs().amax(1) > 1 / 255).float().mean()
                print(f"| pristine | {name} | changed pixels {changed:.2f} % | | |")
            continue
        figure.add(truth, targets)
        queries, described = {"None (the fake)": truth.fake, **targets}, FeatureCache()
        for line in reference_rows(truth, "target", queries, references, galleries, described):
            print(line, flush=True)
        if args.leak:  # the same faces, described once
            leaks += reference_rows(truth, "source", queries, references, galleries, described)
    if args.leak:
        print(leak_table(title, leaks))
    if args.figure:
        print(f"\n{figure.save(args.figure)}")


if __name__ == "__main__":
    main()
