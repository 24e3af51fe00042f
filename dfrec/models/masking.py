"""Algorithm 1 of DFREC: semantic-guided masking, in batch form."""

from __future__ import annotations

from typing import NamedTuple

import torch

RANDOM_FALLBACK_MEAN = 0.9  # mu >= this: the whole face looks like source, mask at random
SOURCE_PATCH_THRESHOLD = 0.5  # patches below this weight get a random weight in [0, 0.1]


class PatchSelection(NamedTuple):
    kept_index: torch.Tensor  # (B, n - m) int64: visible patches, in descending weight order
    masked_index: torch.Tensor  # (B, m) int64: masked patches, in descending weight order
    restore_index: torch.Tensor  # (B, n) int64: inverse permutation of [masked | kept] order
    masked: torch.Tensor  # (B, n) bool: True where a patch is masked


def semantic_guided_masking(
    patch_weights: torch.Tensor, noise: torch.Tensor, num_masked: int
) -> PatchSelection:
    """Pick the m patches to mask from the segmentation map's patch means.

    patch_weights: (B, n) mean of m_s over each patch (step 1);
    noise: (B, n) values in [0, 0.1] (step 2, seeded by the caller for determinism);
    steps 3-5: fall back to the noise when mean(m_s) >= 0.9, replace weights below 0.5 by the
    noise, sort descending (stable, so ties resolve the same way every time), mask the top m.
    """
    mean = patch_weights.mean(dim=1, keepdim=True)
    weights = torch.where(patch_weights < SOURCE_PATCH_THRESHOLD, noise, patch_weights)
    weights = torch.where(mean >= RANDOM_FALLBACK_MEAN, noise, weights)
    order = torch.argsort(weights, dim=1, descending=True, stable=True)
    restore_index = torch.argsort(order, dim=1)
    masked = restore_index < num_masked
    return PatchSelection(
        kept_index=order[:, num_masked:],
        masked_index=order[:, :num_masked],
        restore_index=restore_index,
        masked=masked,
    )
