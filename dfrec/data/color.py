"""Colour transfer: match the source's LAB mean and spread to the target's inside a mask."""

import cv2
import numpy as np

MAX_SPREAD_RATIO = 2.0  # limit on rescaling the LAB spread, against garish recolouring


def match_colour(source: np.ndarray, target: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Recolour source so its mask-weighted LAB mean/std equal the target's (std ratio limited).

    source, target: (S, S, 3) float32 RGB in [0, 1]; mask: (S, S) float32 weights in [0, 1].
    Returns (S, S, 3) float32 in [0, 1].
    """
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
