"""Blend masks from 68 landmarks: convex-hull variants, random deformation, feathered edges.

All masks are (S, S) float32 in [0, 1]; landmarks are (68, 2) crop pixels (x, y).
"""

import cv2
import numpy as np

JAW = np.arange(0, 17)
BROWS = np.arange(17, 27)
NOSE = np.arange(27, 36)
INNER_FACE = np.arange(17, 68)
HULL_VARIANTS = ("face", "forehead", "inner", "lower")
SWAP_REGIONS = ("face", "forehead")  # what a face swap pastes: the inner face, or all of it
MIN_AREA_FRACTION = 0.02  # a deformed mask smaller than this falls back to the plain hull


def hull_points(landmarks_68: np.ndarray, variant: str) -> np.ndarray:
    """Landmarks (K, 2) whose convex hull is the mask region of one variant.

    face: jaw and brows; forehead: face with the brows lifted by a third of the brow-to-chin
    height; inner: brows, eyes, nose and mouth without the jaw; lower: jaw and nose.
    """
    if variant == "face":
        return landmarks_68[np.concatenate([JAW, BROWS])]
    if variant == "forehead":
        brows = landmarks_68[BROWS].copy()
        brows[:, 1] -= (landmarks_68[8, 1] - brows[:, 1].mean()) / 3.0
        return np.concatenate([landmarks_68[JAW], brows])
    if variant == "inner":
        return landmarks_68[INNER_FACE]
    if variant == "lower":
        return landmarks_68[np.concatenate([JAW[2:15], NOSE[2:]])]
    raise ValueError(f"unknown hull variant {variant!r}; choose from {HULL_VARIANTS}")


def fill_hull(points: np.ndarray, image_size: int) -> np.ndarray:
    """Binary (S, S) float32 mask of the convex hull of points (K, 2)."""
    mask = np.zeros((image_size, image_size), np.uint8)
    hull = cv2.convexHull(np.rint(points).astype(np.int32))
    cv2.fillConvexPoly(mask, hull, 1, lineType=cv2.LINE_8)
    return mask.astype(np.float32)


def resize_region(mask: np.ndarray, pixels: int) -> np.ndarray:
    """Grow (pixels > 0) or shrink (pixels < 0) a binary mask (S, S) by |pixels|."""
    if pixels == 0:
        return mask
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * abs(pixels) + 1,) * 2)
    operation = cv2.dilate if pixels > 0 else cv2.erode
    return operation(mask, kernel)


def feather(mask: np.ndarray, sigma: float) -> np.ndarray:
    """Soft edge: Gaussian blur of a mask (S, S) with standard deviation sigma pixels."""
    if sigma <= 0:
        return mask.astype(np.float32)
    return np.clip(cv2.GaussianBlur(mask, (0, 0), sigmaX=sigma), 0.0, 1.0).astype(np.float32)


def swap_mask(
    landmarks_68: np.ndarray, image_size: int, sigma: float, variant: str = "face"
) -> np.ndarray:
    """Face-swap mask: a hull variant ("face": jaw and brows, "forehead": up to the forehead),
    shrunk by sigma and blurred with sigma pixels so it fades out inside the hull."""
    region = resize_region(fill_hull(hull_points(landmarks_68, variant), image_size), -round(sigma))
    return feather(region, sigma)


def _random_affine(points: np.ndarray, rng: np.random.Generator, image_size: int) -> np.ndarray:
    """Points (K, 2) scaled, rotated and shifted a little about their centroid."""
    centre = points.mean(axis=0)
    angle = np.deg2rad(rng.uniform(-8.0, 8.0))
    rotation = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    scale = np.diag(rng.uniform(0.9, 1.1, size=2))
    shift = rng.uniform(-0.03, 0.03, size=2) * image_size
    return (points - centre) @ (rotation @ scale).T + centre + shift


def _elastic(mask: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Mask (S, S) moved by a smooth random displacement field of a few percent of S."""
    image_size = mask.shape[0]
    smoothness = image_size / 8.0
    amplitude = rng.uniform(0.0, 0.04) * image_size
    fields = []
    for _ in range(2):
        noise = cv2.GaussianBlur(
            rng.uniform(-1.0, 1.0, mask.shape).astype(np.float32), (0, 0), smoothness
        )
        fields.append(noise / max(float(np.abs(noise).max()), 1e-6) * amplitude)
    ys, xs = np.mgrid[0:image_size, 0:image_size].astype(np.float32)
    return cv2.remap(mask, xs + fields[0], ys + fields[1], cv2.INTER_LINEAR, borderValue=0.0)


def random_blend_mask(
    landmarks_68: np.ndarray, image_size: int, rng: np.random.Generator
) -> np.ndarray:
    """Face X-ray style mask: random hull variant, random affine + elastic deformation,
    random grow/shrink and a random blur of the edge."""
    variant = HULL_VARIANTS[rng.integers(len(HULL_VARIANTS))]
    points = hull_points(landmarks_68, variant)
    deformed = _elastic(fill_hull(_random_affine(points, rng, image_size), image_size), rng)
    max_resize = max(1, image_size // 24)
    deformed = resize_region(
        (deformed > 0.5).astype(np.float32), int(rng.integers(-max_resize, max_resize + 1))
    )
    large_enough = deformed.sum() > MIN_AREA_FRACTION * image_size**2
    region = deformed if large_enough else fill_hull(points, image_size)
    sigma = rng.uniform(image_size / 96.0, image_size / 16.0)
    return feather(region, sigma)


def face_region(landmarks_68: np.ndarray, image_size: int) -> np.ndarray:
    """The jaw-and-brows hull, hard-edged: the region face-region masking hides. (S, S)."""
    return fill_hull(hull_points(landmarks_68, "face"), image_size)
