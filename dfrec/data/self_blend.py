"""Self-blended forgeries (Shiohara & Yamasaki, CVPR 2022): one photo blended with a slightly
altered copy of itself. Source and target are the same person, so nothing about who is in the
picture tells real from fake: only the seams a paste leaves (a colour step, a change of
sharpness, a small misregistration along the blend mask's edge), which every swap tool leaves
too. Meant to teach the ISM the seams rather than the people; measured at 600 steps, it raised
the false alarms on unseen people and did not help on a held-out synthesizer (ablation row 28,
the README's Cross-forgery section), so no shipped recipe uses it.
"""

from __future__ import annotations

import cv2
import numpy as np

from dfrec.data.masks import random_blend_mask
from dfrec.data.synth import Face, Forgery, channels_first, paste, to_float

CHANNEL_SHIFT = 0.04  # per-channel offset half-range, on [0, 1] pixels
CONTRAST = 0.1  # contrast factor half-range around 1
BLUR_SIGMA = (0.6, 1.5)  # pixels, when the copy is softened
SHARPEN_AMOUNT = (0.5, 1.5)  # unsharp-mask gain, when the copy is sharpened
SCALE = 0.04  # zoom half-range of the copy
SHIFT_FRACTION = 0.03  # translation half-range of the copy, as a share of the crop side


def altered_copy(image: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """The photo with its colours, sharpness and registration slightly changed: a small zoom and
    shift, then a blur or a sharpening, then a contrast and per-channel offset.
    (S, S, 3) float32 in [0, 1] -> (S, S, 3) float32 in [0, 1]."""
    size = image.shape[0]
    scale = 1.0 + rng.uniform(-SCALE, SCALE)
    shift = rng.uniform(-SHIFT_FRACTION, SHIFT_FRACTION, size=2) * size
    affine = cv2.getRotationMatrix2D((size / 2, size / 2), 0.0, scale)
    affine[:, 2] += shift
    moved = cv2.warpAffine(image, affine, (size, size), borderMode=cv2.BORDER_REFLECT)
    if rng.random() < 0.5:
        changed = cv2.GaussianBlur(moved, (0, 0), rng.uniform(*BLUR_SIGMA))
    else:
        soft = cv2.GaussianBlur(moved, (0, 0), 1.0)
        changed = moved + rng.uniform(*SHARPEN_AMOUNT) * (moved - soft)
    contrast = 1.0 + rng.uniform(-CONTRAST, CONTRAST)
    offset = rng.uniform(-CHANNEL_SHIFT, CHANNEL_SHIFT, size=3).astype(np.float32)
    mean = changed.mean(axis=(0, 1), keepdims=True)
    return np.clip((changed - mean) * contrast + mean + offset, 0.0, 1.0).astype(np.float32)


def make_self_blend(face: Face, rng: np.random.Generator) -> Forgery:
    """The face blended with altered_copy(face) under a Face X-ray mask (random_blend_mask).
    Source and target are the untouched photo: the person is the same on both sides."""
    image = to_float(face.crop)
    mask = random_blend_mask(face.landmarks_68, image.shape[0], rng)
    fake = paste(altered_copy(image, rng), image, mask)
    return Forgery(
        fake=channels_first(fake),
        source=channels_first(image),
        target=channels_first(image),
        mask=mask[None].astype(np.float32),
        kind="selfblend",
    )
