"""DFREC: ISM -> SIRM -> TIRM in one module."""

from __future__ import annotations

from typing import NamedTuple

import torch
from torch import nn

from dfrec.config import DFRECConfig
from dfrec.models.ism import ISM
from dfrec.models.sirm import SIRM, SIRMOutput
from dfrec.models.tirm import TIRM


class DFRECOutput(NamedTuple):
    mask_logits: torch.Tensor  # (B, 1, H, W)
    fake_logit: torch.Tensor  # (B,)
    source: torch.Tensor  # (B, 3, H, W) recovered source face in [0, 1]
    target: torch.Tensor  # (B, 3, H, W) recovered target face in [0, 1]
    predicted_patches: torch.Tensor  # (B, n, p*p*3) the MAE's prediction for every patch
    masked: torch.Tensor  # (B, n) bool: patches the MAE had to predict

    @property
    def mask(self) -> torch.Tensor:
        """m_s in [0, 1]. (B, 1, H, W)"""
        return torch.sigmoid(self.mask_logits)


def recover_source(sirm: SIRM, image: torch.Tensor, mask: torch.Tensor) -> SIRMOutput:
    """The SIRM on I * m_s, as Fig. 2 chains it; with composite "mask" the pixels m_s marks as
    source are kept from the input: m_s * I + (1 - m_s) * SIRM. image: (B, 3, H, W), mask:
    (B, 1, H, W)."""
    output = sirm(image * mask)
    if sirm.config.composite == "none":
        return output
    weight = mask.detach()
    return output._replace(source=weight * image + (1.0 - weight) * output.source)


class DFREC(nn.Module):
    """The three networks of the method, chained as in the paper (Fig. 2)."""

    def __init__(self, config: DFRECConfig) -> None:
        super().__init__()
        self.config = config
        self.ism = ISM(config.ism, config.geometry)
        self.sirm = SIRM(config.sirm)
        self.tirm = TIRM(config)

    def forward(
        self, image: torch.Tensor, noise: torch.Tensor, landmarks: torch.Tensor | None = None
    ) -> DFRECOutput:
        """image: (B, 3, H, W) in [0, 1]; noise: (B, n) in [0, 0.1] for Algorithm 1; landmarks:
        (B, 68, 2) the image's own in pixels, for a TIRM with geometry_prior."""
        segmentation = self.ism(image)
        mask = segmentation.mask
        sirm = recover_source(
            self.sirm, image, mask if self.config.ism.recovery_gradient else mask.detach()
        )
        tirm = self.tirm(image, mask, sirm.target_identity, noise, landmarks)
        return DFRECOutput(
            mask_logits=segmentation.mask_logits,
            fake_logit=segmentation.fake_logit,
            source=sirm.source,
            target=tirm.target,
            predicted_patches=tirm.predicted_patches,
            masked=tirm.masked,
        )
