"""How a heat map is shown: one fixed display scale for every face (LREConfig.
heatmap_display_max), so that two faces' heat maps compare."""

from __future__ import annotations

import torch


def display_heatmap(heatmap: torch.Tensor, display_max: float) -> torch.Tensor:
    """(B, 1, S, S) in [0, 1] -> the same scaled by 1 / display_max, clipped to [0, 1]."""
    return (heatmap / display_max).clamp(0.0, 1.0)
