"""ISM: identity segmentation module (DeepLabV3+ segmentation head + real/fake classifier)."""

from __future__ import annotations

from typing import NamedTuple

import segmentation_models_pytorch as smp
import torch
from torch import nn

from dfrec.config import Geometry, ISMConfig


class ISMOutput(NamedTuple):
    mask_logits: torch.Tensor  # (B, 1, H, W): logit that a pixel carries source information
    fake_logit: torch.Tensor  # (B,): logit that the face is a forgery

    @property
    def mask(self) -> torch.Tensor:
        """m_s in [0, 1]. (B, 1, H, W)"""
        return torch.sigmoid(self.mask_logits)


class ISM(nn.Module):
    """DeepLabV3+ (ASPP + low-level skip) with a classification head on the deepest features.

    The encoder starts from random weights (nothing is downloaded); a fresh training run loads
    config.encoder_weights into it with `load_encoder_weights`. With config.mirror_average, an
    ISM outside training averages its logits over the face and its mirror image.
    """

    def __init__(self, config: ISMConfig, geometry: Geometry) -> None:
        super().__init__()
        self.config = config
        self.geometry = geometry
        self.network = smp.DeepLabV3Plus(
            encoder_name=config.encoder_name,
            encoder_weights=None,
            decoder_channels=config.decoder_channels,
            decoder_atrous_rates=config.atrous_rates,
            classes=1,
            aux_params={"classes": 1, "dropout": config.classifier_dropout},
        )

    def forward(self, image: torch.Tensor) -> ISMOutput:
        """image: (B, 3, H, W) in [0, 1] -> ISMOutput."""
        size = self.geometry.image_size
        if image.shape[-2:] != (size, size):
            raise ValueError(f"ISM expects {size}x{size} images, got {tuple(image.shape[-2:])}")
        normalized = (image - self.config.input_mean) / self.config.input_std
        mask_logits, fake_logit = self.network(normalized)
        if self.config.mirror_average and not self.training:
            mirror_mask_logits, mirror_fake_logit = self.network(normalized.flip(-1))
            mask_logits = (mask_logits + mirror_mask_logits.flip(-1)) / 2
            fake_logit = (fake_logit + mirror_fake_logit) / 2
        return ISMOutput(mask_logits=mask_logits, fake_logit=fake_logit.squeeze(1))

    def load_encoder_weights(self) -> int:
        """Load config.encoder_weights into the encoder; returns the tensors loaded (0 when
        the config names none)."""
        if self.config.encoder_weights is None:
            return 0
        from dfrec.pretrained.efficientnet_lite import WEIGHTS_NAME, load_into_encoder

        if self.config.encoder_weights != WEIGHTS_NAME:
            raise ValueError(
                f"no offline weights named {self.config.encoder_weights!r}; "
                f"valid: {WEIGHTS_NAME!r} (for tu-efficientnet_lite0)"
            )
        return load_into_encoder(self.network.encoder.model)
