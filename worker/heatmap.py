"""LRE's heat maps as pictures: the map itself (grayscale PNG, bright = the face does not rebuild
there) and the map laid over the face in colour, which context_heatmap pastes into the photo."""

import numpy as np

OVERLAY_OPACITY = 0.6  # opacity of the colour where the heat map is 1


def heat_colours(heat: np.ndarray) -> np.ndarray:
    """(S, S) in [0, 1] -> (S, S, 3) in [0, 1], black-red-yellow-white ("hot")."""
    ramp = np.clip(3.0 * heat[..., None] - np.array([0.0, 1.0, 2.0]), 0.0, 1.0)
    return ramp.astype(np.float32)


def heat_overlay(crop: np.ndarray, heatmap: np.ndarray) -> np.ndarray:
    """The aligned face with its heat map over it. crop: (S, S, 3) uint8; heatmap: (1, S, S)
    float in [0, 1] -> (3, S, S) float32 in [0, 1] (what paste_faces takes)."""
    heat = np.clip(heatmap[0], 0.0, 1.0)
    alpha = (OVERLAY_OPACITY * heat)[..., None]
    face = crop.astype(np.float32) / 255.0
    blended = (1.0 - alpha) * face + alpha * heat_colours(heat)
    return np.ascontiguousarray(blended.transpose(2, 0, 1), dtype=np.float32)
