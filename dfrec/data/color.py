"""Colour transfer as swap tools do it: per-channel LAB statistics of the inner face only, then
the target's low-frequency lighting, so the pasted face is neither chalk-white nor a patch."""

import cv2
import numpy as np

MAX_SPREAD_RATIO = 1.33  # limit on rescaling the LAB spread, against garish recolouring
CORE_THRESHOLD = 0.5  # statistics come from the pixels the mask pastes at least half of


def match_colour(source: np.ndarray, target: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Recolour source so its mask-weighted LAB mean/std equal the target's (std ratio limited).

    source, target: (S, S, 3) float32 RGB in [0, 1]; mask: (S, S) float32 weights in [0, 1].
    Returns (S, S, 3) float32 in [0, 1].
    """
    weights = (mask >= CORE_THRESHOLD).reshape(-1, 1).astype(np.float64)
    if weights.sum() < 1:
        weights = mask.reshape(-1, 1).astype(np.float64)
    total = max(float(weights.sum()), 1e-6)
    source_lab = cv2.cvtColor(source, cv2.COLOR_RGB2LAB).reshape(-1, 3).astype(np.float64)
    target_lab = cv2.cvtColor(target, cv2.COLOR_RGB2LAB).reshape(-1, 3).astype(np.float64)

    def mean_std(lab: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        mean = (weights * lab).sum(axis=0) / total
        std = np.sqrt((weights * (lab - mean) ** 2).sum(axis=0) / total)
        return mean, np.maximum(std, 1e-3)

    source_mean, source_std = mean_std(source_lab)
    target_mean, target_std = mean_std(target_lab)
    spread = np.clip(target_std / source_std, 1.0 / MAX_SPREAD_RATIO, MAX_SPREAD_RATIO)
    matched = (source_lab - source_mean) * spread + target_mean
    matched = matched.reshape(source.shape).astype(np.float32)
    matched[..., 0] = np.clip(matched[..., 0], 0.0, 100.0)
    matched[..., 1:] = np.clip(matched[..., 1:], -127.0, 127.0)
    return np.clip(cv2.cvtColor(matched, cv2.COLOR_LAB2RGB), 0.0, 1.0)


def match_lighting(
    content: np.ndarray, target: np.ndarray, mask: np.ndarray, sigma: float
) -> np.ndarray:
    """Give content the target's low-frequency light inside the mask: add the difference of
    their mask-normalized Gaussian blurs (sigma pixels), keeping content's finer detail.

    Deterministic stand-in for Poisson cloning (OpenCV's seamlessClone returned different
    results for the same call here). content, target: (S, S, 3) float32 in [0, 1]; mask (S, S).
    """
    support = (mask > 0).astype(np.float32)
    weight = cv2.GaussianBlur(support, (0, 0), sigma)[..., None].clip(min=1e-3)

    def local_mean(image: np.ndarray) -> np.ndarray:
        return cv2.GaussianBlur(image * support[..., None], (0, 0), sigma) / weight

    shifted = content + (local_mean(target) - local_mean(content)) * support[..., None]
    return np.clip(shifted, 0.0, 1.0).astype(np.float32)
