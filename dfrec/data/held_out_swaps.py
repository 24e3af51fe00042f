"""Held-out forgery kinds that no network trains on. The low-resolution swap of autoencoder
tools (DeepFakes, DeepFaceLab), whose decoder renders the source's face at 64-256 px and pastes it
upscaled into a sharper photo. It differs from `make_swap` in every step a detector could have
learnt: the pasted face is blurred by a resolution change, recoloured by RGB statistics without
relighting, and pasted with a feathered ellipse instead of a landmark hull. The ellipse swap is
the same at full resolution: held out too, it shows what the ISM finds without the blur. The
similarity swap is the ellipse swap with the source only moved, turned and scaled onto the
target (no warp onto the target's landmarks): its pasted eyes, nose and mouth keep the source's
own proportions, as a swap tool that draws the source's identity does, so the fake no longer
shows where the target's features were. Where the two heads turn differently the moved source
does not fill the ellipse, so its paste is cut to the source's own face (up to the forehead).
"""

import cv2
import numpy as np

from dfrec.data.align import transform_points
from dfrec.data.masks import INNER_FACE, feather, fill_hull, hull_points
from dfrec.data.synth import Face, Forgery, channels_first, paste, to_float
from dfrec.data.warp import piecewise_affine_warp, similarity_matrix, similarity_warp

RENDER_SCALE = (1.5, 3.0)  # the decoder's resolution is the crop's divided by this much
ELLIPSE_GROWTH = (1.15, 1.35)  # the ellipse's axes over the inner face's box sides
FEATHER_FRACTION = (1 / 64, 1 / 24)  # the edge blur's sigma, a share of the crop side
CORE_THRESHOLD = 0.5  # colour statistics from the pixels the mask pastes at least half of
MAX_SPREAD_RATIO = 1.33  # limit on rescaling a channel's spread, against garish recolouring
SOURCE_FACE_FEATHER_FRACTION = 1 / 48  # edge blur of the source's own face in a similarity swap


def render_at_low_resolution(image: np.ndarray, scale: float) -> np.ndarray:
    """image (S, S, 3) float32 down to S / scale pixels and back up: a decoder's output."""
    size = image.shape[0]
    small_side = max(8, round(size / scale))
    small = cv2.resize(image, (small_side, small_side), interpolation=cv2.INTER_AREA)
    return np.clip(cv2.resize(small, (size, size), interpolation=cv2.INTER_CUBIC), 0.0, 1.0)


def match_rgb_statistics(content: np.ndarray, target: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """content (S, S, 3) recoloured so its per-channel RGB mean and std inside mask (S, S)
    equal the target's (the std ratio limited)."""
    core = mask >= CORE_THRESHOLD
    if not core.any():
        core = mask > 0
    content_pixels, target_pixels = content[core], target[core]  # (K, 3)
    spread = target_pixels.std(axis=0) / np.maximum(content_pixels.std(axis=0), 1e-3)
    spread = np.clip(spread, 1.0 / MAX_SPREAD_RATIO, MAX_SPREAD_RATIO)
    matched = (content - content_pixels.mean(axis=0)) * spread + target_pixels.mean(axis=0)
    return np.clip(matched, 0.0, 1.0).astype(np.float32)


def ellipse_mask(landmarks_68: np.ndarray, image_size: int, rng: np.random.Generator) -> np.ndarray:
    """The ellipse inscribed in the smallest rotated box around the brows, eyes, nose and mouth,
    grown by a random factor and feathered by a random sigma: (S, S) float32 in [0, 1]."""
    centre, axes, angle = cv2.minAreaRect(landmarks_68[INNER_FACE].astype(np.float32))
    growth = rng.uniform(*ELLIPSE_GROWTH)
    region = np.zeros((image_size, image_size), np.float32)
    cv2.ellipse(region, (centre, (growth * axes[0], growth * axes[1]), angle), 1.0, thickness=-1)
    return feather(region, rng.uniform(*FEATHER_FRACTION) * image_size)


def make_lowres_swap(source: Face, target: Face, rng: np.random.Generator) -> Forgery:
    """The source face warped onto the target's 68 landmarks, rendered at a random lower
    resolution, recoloured to the target by RGB statistics and pasted with a feathered ellipse."""
    return _ellipse_swap(source, target, rng, "lowres_swap")


def make_ellipse_swap(source: Face, target: Face, rng: np.random.Generator) -> Forgery:
    """make_lowres_swap at full resolution: the same colour transfer and ellipse without the
    blur, so that a detector that catches it does not do so by the resolution change."""
    return _ellipse_swap(source, target, rng, "ellipse_swap")


def make_similarity_swap(source: Face, target: Face, rng: np.random.Generator) -> Forgery:
    """make_ellipse_swap with the source aligned to the target by the similarity fitted to the 68
    landmarks instead of warped onto them: the source's features keep their shape."""
    return _ellipse_swap(source, target, rng, "similarity_swap")


def source_face_on_target(source: Face, target: Face, image_size: int) -> np.ndarray:
    """The source's face up to the forehead, moved by the similarity that aligns the source to
    the target, feathered: (S, S) float32 in [0, 1]."""
    matrix = similarity_matrix(source.landmarks_68, target.landmarks_68)
    moved = transform_points(source.landmarks_68, matrix)
    region = fill_hull(hull_points(moved, "forehead"), image_size)
    return feather(region, SOURCE_FACE_FEATHER_FRACTION * image_size)


def _ellipse_swap(source: Face, target: Face, rng: np.random.Generator, kind: str) -> Forgery:
    image_size = target.crop.shape[0]
    target_image = to_float(target.crop)
    align = similarity_warp if kind == "similarity_swap" else piecewise_affine_warp
    warped = align(to_float(source.crop), source.landmarks_68, target.landmarks_68)
    if kind == "lowres_swap":
        warped = render_at_low_resolution(warped, rng.uniform(*RENDER_SCALE))
    mask = ellipse_mask(target.landmarks_68, image_size, rng)
    if kind == "similarity_swap":  # a head turned otherwise need not fill the ellipse
        mask = mask * source_face_on_target(source, target, image_size)
    recoloured = match_rgb_statistics(warped, target_image, mask)
    return Forgery(
        fake=channels_first(paste(recoloured, target_image, mask)),
        source=channels_first(to_float(source.crop)),
        target=channels_first(target_image),
        mask=mask[None].astype(np.float32),
        kind=kind,
    )
