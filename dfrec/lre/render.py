"""How a heat map is shown: a fixed display scale (the same for every face, so a real face
stays dark and a fake one lights up) and a colour map for the overlay on the photo."""

from __future__ import annotations

import torch

DISPLAY_MAX = 0.5  # heat-map value drawn at full brightness


def display_heatmap(heatmap: torch.Tensor, display_max: float = DISPLAY_MAX) -> torch.Tensor:
    """(B, 1, S, S) in [0, 1] -> the same scaled by 1 / display_max, clipped to [0, 1]."""
    return (heatmap / display_max).clamp(0.0, 1.0)
