"""Feature-level local difference attention (the paper's Eq. 2) and the heat map built from it."""

from __future__ import annotations

import torch
import torch.nn.functional as F

COSINE_EPS = 1e-8


def difference_attention(features: torch.Tensor, rebuilt: torch.Tensor) -> torch.Tensor:
    """1 - (1 + cos(f_input, f_rec)) / 2 at every position, cosine over channels.

    features, rebuilt: (B, C, h, w) -> (B, 1, h, w) in [0, 1]: 0 where the reconstruction's
    features point the same way as the input's, 1 where they are opposite."""
    cosine = F.cosine_similarity(features, rebuilt, dim=1, eps=COSINE_EPS).unsqueeze(1)
    return 1.0 - (1.0 + cosine) / 2.0


def heat_map(attention: list[torch.Tensor], image_size: int) -> torch.Tensor:
    """Mean of the attention maps of every level, each upsampled bilinearly to the face.
    list of (B, 1, h_i, w_i) in [0, 1] -> (B, 1, S, S) in [0, 1]."""
    upsampled = [
        F.interpolate(level, size=(image_size, image_size), mode="bilinear", align_corners=False)
        for level in attention
    ]
    return torch.stack(upsampled).mean(dim=0).clamp(0.0, 1.0)
