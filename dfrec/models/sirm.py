"""SIRM: source identity recovery module (attention U-Net with the f_s / f_t split)."""

from __future__ import annotations

from typing import NamedTuple

import torch
from torch import nn

from dfrec.config import SIRMConfig
from dfrec.models.attention_gate import AttentionGate


def double_conv(in_channels: int, out_channels: int) -> nn.Sequential:
    """Two 3x3 conv + BN + ReLU, the U-Net unit."""
    return nn.Sequential(
        nn.Conv2d(in_channels, out_channels, 3, padding=1, bias=False),
        nn.BatchNorm2d(out_channels),
        nn.ReLU(inplace=True),
        nn.Conv2d(out_channels, out_channels, 3, padding=1, bias=False),
        nn.BatchNorm2d(out_channels),
        nn.ReLU(inplace=True),
    )


class SIRMOutput(NamedTuple):
    source: torch.Tensor  # (B, 3, H, W) in [0, 1]: recovered source face
    target_identity: torch.Tensor  # (B, C_t, H/p, W/p): f_t, one vector per MAE patch


class DecoderStage(nn.Module):
    """Upsample, gate the skip with attention, concatenate, double conv."""

    def __init__(self, in_channels: int, skip_channels: int) -> None:
        super().__init__()
        self.upsample = nn.ConvTranspose2d(in_channels, skip_channels, 2, stride=2)
        self.gate = AttentionGate(skip_channels, skip_channels)
        self.fuse = double_conv(2 * skip_channels, skip_channels)

    def forward(self, features: torch.Tensor, skip: torch.Tensor) -> torch.Tensor:
        """features: (B, Cin, h, w), skip: (B, Cs, 2h, 2w) -> (B, Cs, 2h, 2w)."""
        upsampled = self.upsample(features)
        return self.fuse(torch.cat([self.gate(skip, upsampled), upsampled], dim=1))


class SIRM(nn.Module):
    """U-Net on I * m_s. The bottleneck splits in two: f_s drives the source decoder, f_t is
    handed to the TIRM as the latent target identity."""

    def __init__(self, config: SIRMConfig) -> None:
        super().__init__()
        self.config = config
        channels = config.channels
        self.encoder = nn.ModuleList(
            [double_conv(3, channels[0])]
            + [double_conv(channels[i - 1], channels[i]) for i in range(1, len(channels))]
        )
        self.downsample = nn.MaxPool2d(2)
        decoder_in = [config.source_identity_channels, *channels[1:-1][::-1]]
        skips = channels[:-1][::-1]
        self.decoder = nn.ModuleList(
            DecoderStage(in_ch, skip_ch) for in_ch, skip_ch in zip(decoder_in, skips, strict=True)
        )
        self.to_image = nn.Conv2d(channels[0], 3, 1)

    def forward_encoder(self, segmented: torch.Tensor) -> tuple[torch.Tensor, list[torch.Tensor]]:
        """segmented: (B, 3, H, W) -> bottleneck (B, C, H/p, W/p) and skips, finest first."""
        skips = []
        features = self.encoder[0](segmented)
        for level in self.encoder[1:]:
            skips.append(features)
            features = level(self.downsample(features))
        return features, skips

    def forward_decoder(
        self, source_identity: torch.Tensor, skips: list[torch.Tensor]
    ) -> torch.Tensor:
        """source_identity f_s: (B, C_s, H/p, W/p) -> source face (B, 3, H, W) in [0, 1]."""
        features = source_identity
        for stage, skip in zip(self.decoder, reversed(skips), strict=True):
            features = stage(features, skip)
        return torch.sigmoid(self.to_image(features))

    def forward(self, segmented: torch.Tensor) -> SIRMOutput:
        """segmented = I * m_s: (B, 3, H, W) -> SIRMOutput."""
        bottleneck, skips = self.forward_encoder(segmented)
        source_identity, target_identity = torch.split(
            bottleneck,
            [self.config.source_identity_channels, self.config.target_identity_channels],
            dim=1,
        )
        return SIRMOutput(self.forward_decoder(source_identity, skips), target_identity)
