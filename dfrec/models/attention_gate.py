"""Additive attention gate on a U-Net skip connection (Oktay et al., Attention U-Net)."""

from __future__ import annotations

import torch
from torch import nn


class AttentionGate(nn.Module):
    """Scales skip features by a [0, 1] map computed from them and the decoder's gating signal."""

    def __init__(self, skip_channels: int, gate_channels: int) -> None:
        super().__init__()
        inner = max(skip_channels // 2, 1)
        self.skip_projection = nn.Conv2d(skip_channels, inner, 1, bias=False)
        self.gate_projection = nn.Conv2d(gate_channels, inner, 1)
        self.attention = nn.Sequential(nn.ReLU(inplace=True), nn.Conv2d(inner, 1, 1), nn.Sigmoid())

    def forward(self, skip: torch.Tensor, gate: torch.Tensor) -> torch.Tensor:
        """skip: (B, Cs, H, W), gate: (B, Cg, H, W) -> gated skip (B, Cs, H, W)."""
        weights = self.attention(self.skip_projection(skip) + self.gate_projection(gate))
        return skip * weights
