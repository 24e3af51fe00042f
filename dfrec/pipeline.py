"""The in-process pipeline: images in, mask / fake logit / source / target out."""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

import numpy as np
import torch

from dfrec.checkpoint import load_checkpoint
from dfrec.data.align import crop_landmarks_68
from dfrec.models.dfrec import DFREC
from dfrec.noise import batch_masking_noise


class Recovery(NamedTuple):
    mask: torch.Tensor  # (B, 1, S, S) in [0, 1]: probability a pixel carries the source
    fake_logit: torch.Tensor  # (B,)
    source_face: torch.Tensor  # (B, 3, S, S) in [0, 1]
    target_face: torch.Tensor  # (B, 3, S, S) in [0, 1]

    @property
    def fake_probability(self) -> torch.Tensor:
        return torch.sigmoid(self.fake_logit)


class Recoverer:
    """A loaded DFREC network ready for deterministic inference on the CPU."""

    def __init__(self, model: DFREC) -> None:
        self.model = model.eval()
        self.geometry = model.config.geometry

    @classmethod
    def from_checkpoint(cls, path: Path) -> Recoverer:
        model, _ = load_checkpoint(path)
        return cls(model)

    @torch.inference_mode()
    def recover(self, images: torch.Tensor) -> Recovery:
        """images: (B, 3, S, S) float32 in [0, 1] -> Recovery.

        Algorithm 1's random values are seeded by each image's bytes (dfrec.noise). A TIRM with
        geometry_prior gets the landmarks dlib finds on each image.
        """
        noise = torch.from_numpy(batch_masking_noise(images.numpy(), self.geometry.num_patches))
        landmarks = None
        if self.model.config.tirm.geometry_prior:
            landmarks = torch.from_numpy(crop_landmarks_68(images.numpy()))
        output = self.model(images, noise, landmarks)
        return Recovery(output.mask, output.fake_logit, output.source, output.target)


def recover(recoverer: Recoverer, images: np.ndarray) -> Recovery:
    """recover(images) with images a (B, 3, S, S) float32 array in [0, 1]."""
    return recoverer.recover(torch.from_numpy(np.ascontiguousarray(images, dtype=np.float32)))
