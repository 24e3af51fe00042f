"""The face box of an aligned crop: what recognizers are trained on (no hair, no background)."""

from __future__ import annotations

import torch

from dfrec.data.align import FACE_BOX_FRACTION


def tight_crop(images: torch.Tensor) -> torch.Tensor:
    """The central FACE_BOX_FRACTION of each side of aligned crops, where the aligner puts the
    detector's face box. (B, C, S, S) -> (B, C, s, s) with s = round(S * FACE_BOX_FRACTION)."""
    size = images.shape[-1]
    side = round(size * FACE_BOX_FRACTION)
    start = (size - side) // 2
    return images[..., start : start + side, start : start + side]
