"""Synthetic forgeries with exact ground truth from aligned real faces of different people.

Every function returns a Forgery whose images are (3, S, S) float32 in [0, 1] and whose mask is
(1, S, S) float32 in [0, 1], with fake = mask * swapped_content + (1 - mask) * target, where the
swapped content is the (warped, recoloured) source face. Randomness only from the generator.
"""

import argparse
from dataclasses import dataclass

import numpy as np

from dfrec.data.color import match_colour, match_lighting
from dfrec.data.masks import SWAP_REGIONS, random_blend_mask, swap_mask
from dfrec.data.warp import piecewise_affine_warp, similarity_warp

# selfblend: dfrec.data.self_blend; resynth: dfrec.data.resynth; the held-out kinds:
# dfrec.data.held_out_swaps; realtool (a real tool's outputs) and tight_pristine (untouched tight
# crops): dfrec.data.real_tool
KINDS = (
    "swap",
    "blend",
    "pristine",
    "selfblend",
    "resynth",
    "lowres_swap",
    "ellipse_swap",
    "similarity_swap",
    "realtool",
    "tight_pristine",
)
DEFAULT_MIX = {"swap": 0.4, "blend": 0.4, "pristine": 0.2}  # training's share of each kind
SYNTHESIZERS = ("swap", "blend")  # the forgeries the shipped networks train on
# Forgeries for evaluation only: no network trains on them.
HELD_OUT_SYNTHESIZERS = ("lowres_swap", "ellipse_swap", "similarity_swap")
LIGHTING_SIGMA_FRACTION = 1 / 10  # blur of the lighting transfer, as a share of the crop side


def parse_mix(text: str) -> dict[str, float]:
    """ "swap=0.8,pristine=0.2" -> {"swap": 0.8, "pristine": 0.2}."""
    try:
        pairs = (item.split("=") for item in text.split(","))
        return {kind.strip(): float(share) for kind, share in pairs}
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"expected kind=share,... got {text!r}") from error


@dataclass(frozen=True)
class Face:
    """One aligned face: crop (S, S, 3) uint8 RGB and landmarks_68 (68, 2) crop pixels."""

    crop: np.ndarray
    landmarks_68: np.ndarray


@dataclass(frozen=True)
class Forgery:
    """fake, source, target: (3, S, S) float32 in [0, 1]; mask: (1, S, S) float32 in [0, 1]."""

    fake: np.ndarray
    source: np.ndarray
    target: np.ndarray
    mask: np.ndarray
    kind: str

    @property
    def is_fake(self) -> bool:
        return self.kind != "pristine"


def to_float(crop: np.ndarray) -> np.ndarray:
    """(S, S, 3) uint8 -> (S, S, 3) float32 in [0, 1]."""
    return crop.astype(np.float32) / 255.0


def channels_first(image: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(image.transpose(2, 0, 1))


def paste(content: np.ndarray, target: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """mask * content + (1 - mask) * target; images (S, S, 3), mask (S, S)."""
    weight = mask[..., None]
    return weight * content + (1.0 - weight) * target


def forgery_from_content(
    source: Face, target: Face, content: np.ndarray, mask: np.ndarray, kind: str
) -> Forgery:
    """The content (S, S, 3) recoloured to the target (inner-face LAB statistics, then the
    target's low-frequency light) and pasted into it under mask (S, S)."""
    target_image = to_float(target.crop)
    lighting_sigma = target_image.shape[0] * LIGHTING_SIGMA_FRACTION
    recoloured = match_lighting(
        match_colour(content, target_image, mask), target_image, mask, lighting_sigma
    )
    fake = paste(recoloured, target_image, mask)
    return Forgery(
        fake=channels_first(fake),
        source=channels_first(to_float(source.crop)),
        target=channels_first(target_image),
        mask=mask[None].astype(np.float32),
        kind=kind,
    )


def make_swap(source: Face, target: Face, rng: np.random.Generator) -> Forgery:
    """Landmark face swap: the source face warped triangle by triangle onto the target's 68
    landmarks, recoloured to the target, Poisson-cloned and blended with a feathered hull whose
    edge width is drawn from rng. Half the swaps paste the jaw-and-brows hull, half the whole
    face up to the forehead (identity moves more, as with full-face swap tools).
    """
    image_size = target.crop.shape[0]
    warped = piecewise_affine_warp(to_float(source.crop), source.landmarks_68, target.landmarks_68)
    sigma = rng.uniform(image_size / 96, image_size / 32)
    region = SWAP_REGIONS[int(rng.integers(len(SWAP_REGIONS)))]
    mask = swap_mask(target.landmarks_68, image_size, sigma, region)
    return forgery_from_content(source, target, warped, mask, "swap")


def make_blend(source: Face, target: Face, rng: np.random.Generator) -> Forgery:
    """Face X-ray blended image: the source aligned to the target by a similarity fit of the 68
    landmarks, recoloured and blended with a randomly deformed, randomly blurred hull mask."""
    aligned = similarity_warp(to_float(source.crop), source.landmarks_68, target.landmarks_68)
    mask = random_blend_mask(target.landmarks_68, target.crop.shape[0], rng)
    return forgery_from_content(source, target, aligned, mask, "blend")


def make_pristine(face: Face) -> Forgery:
    """A real face: its own source and target, mask all zeros."""
    image = channels_first(to_float(face.crop))
    return Forgery(
        fake=image,
        source=image.copy(),
        target=image.copy(),
        mask=np.zeros((1, *image.shape[1:]), np.float32),
        kind="pristine",
    )
