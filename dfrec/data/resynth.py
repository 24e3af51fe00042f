"""Re-synthesized swaps: forgeries whose pasted face was drawn by a decoder, not copied from a
photo.

GAN face swappers (FaceShifter, SimSwap, HifiFace, ...) never paste photo pixels: a generator
draws the whole inner face from the target's pose and light and the source's identity, and a
soft mask puts it back. The ISM trained on photo pastes alone misses them (the wild evaluation).
Here the decoder is a network trained in this project on real faces only: the SIRM, which
rebuilds a face from its inner face (`dfrec.training.pretrain`, `source_rebuild`), so the pasted
region carries a decoder's statistics (smooth skin, transposed-convolution upsampling) while
the identity moved is the landmark swap's.

The recipe: the source warped onto the target's landmarks (or, for a share of the items, the
target itself: a face re-drawn without changing who it is, so only the decoder's trace tells),
composited into the target photo inside the face hull, that face re-drawn by the decoder at two
or three times the crop's size and shrunk back, recoloured to the target, and pasted with one
of the soft masks swap tools use (the feathered inner face or the feathered face hull); for
half the items the decoder re-draws the whole crop, so no photo pixel is left anywhere.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from dfrec.data.masks import feather, fill_hull, hull_points, resize_region
from dfrec.data.synth import Face, Forgery, channels_first, forgery_from_content, paste, to_float
from dfrec.data.warp import piecewise_affine_warp

SAME_PERSON_SHARE = 0.25  # items whose re-drawn face is the target's own
PASTE_REGIONS = ("inner", "face")  # the soft masks swap tools paste with (inside the drawn hull)
FEATHER_RANGE = (1 / 64, 1 / 20)  # mask edge width, as a share of the crop side
# The decoder draws the face this many times larger than the crop, then it is shrunk back: a
# face generated at 256-384 px and seen at 128, as real tools' 224-512 px outputs are once
# aligned. Drawn at the crop's own size (scale 1) the face is a blur the ISM learns to spot and
# that real swaps do not show (wild ablation).
DRAW_SCALES = (2, 3)
# Items whose whole crop is re-drawn, background and hair included, as tools that output the
# generator's whole aligned crop do: no seam between a drawn face and photo pixels anywhere.
WHOLE_CROP_SHARE = 0.5


class FaceResynthesizer:
    """A frozen SIRM that re-draws the face inside a region: (S, S, 3) float32 in [0, 1], its
    (S, S) region and the drawing scale -> (S, S, 3) float32 in [0, 1]. The masked face is
    enlarged `scale` times (bicubic), drawn, and shrunk back (area averaging); deterministic,
    one CPU thread."""

    def __init__(self, sirm: torch.nn.Module) -> None:
        self.sirm = sirm.eval().float()

    @classmethod
    def from_checkpoint(cls, path: Path) -> FaceResynthesizer:
        from dfrec.checkpoint import load_checkpoint

        model, _ = load_checkpoint(path)
        return cls(model.sirm)

    @torch.inference_mode()
    def __call__(self, image: np.ndarray, region: np.ndarray, scale: int = 1) -> np.ndarray:
        torch.set_num_threads(1)
        size = image.shape[0]
        pixels = torch.from_numpy(channels_first(image * region[..., None]))[None]
        if scale > 1:
            pixels = F.interpolate(pixels, scale_factor=scale, mode="bicubic").clamp(0.0, 1.0)
        drawn = self.sirm(pixels).source.float()
        if scale > 1:
            drawn = F.interpolate(drawn, size=(size, size), mode="area")
        return np.ascontiguousarray(drawn[0].numpy().transpose(1, 2, 0))


def paste_mask(landmarks_68: np.ndarray, image_size: int, rng: np.random.Generator) -> np.ndarray:
    """One of PASTE_REGIONS' hulls, shrunk by its feather width and feathered: (S, S)."""
    region = PASTE_REGIONS[int(rng.integers(len(PASTE_REGIONS)))]
    sigma = rng.uniform(*FEATHER_RANGE) * image_size
    hull = fill_hull(hull_points(landmarks_68, region), image_size)
    return feather(resize_region(hull, -round(sigma)), sigma)


def make_resynth(
    source: Face,
    target: Face,
    rng: np.random.Generator,
    resynthesize: FaceResynthesizer,
) -> Forgery:
    """A re-synthesized swap of source into target (or, for SAME_PERSON_SHARE of the draws,
    the target re-drawn as itself; the forgery's source is then the target photo). For
    WHOLE_CROP_SHARE of the draws the decoder re-draws the whole crop and the fake is its
    drawing throughout (the mask still marks where the source is); else only the face hull is
    re-drawn and pasted into the target photo. The forgery's target is the untouched photo."""
    image_size = target.crop.shape[0]
    target_image = to_float(target.crop)
    same_person = rng.random() < SAME_PERSON_SHARE
    if same_person:
        source, content = target, target_image
    else:
        content = piecewise_affine_warp(
            to_float(source.crop), source.landmarks_68, target.landmarks_68
        )
    generator_region = fill_hull(hull_points(target.landmarks_68, "face"), image_size)
    composite = paste(content, target_image, generator_region)
    mask = paste_mask(target.landmarks_68, image_size, rng)
    scale = int(rng.choice(DRAW_SCALES))
    if rng.random() < WHOLE_CROP_SHARE:
        drawn = resynthesize(composite, np.ones_like(generator_region), scale)
        redrawn_target = Face(to_uint8(drawn), target.landmarks_68)
        forgery = forgery_from_content(source, redrawn_target, drawn, mask, "resynth")
        return dataclasses.replace(forgery, target=channels_first(target_image))
    drawn = resynthesize(composite, generator_region, scale)
    return forgery_from_content(source, target, drawn, mask, "resynth")


def to_uint8(image: np.ndarray) -> np.ndarray:
    """(S, S, 3) float32 in [0, 1] -> (S, S, 3) uint8."""
    return np.clip(np.rint(image * 255.0), 0, 255).astype(np.uint8)
