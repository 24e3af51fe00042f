"""Cutting images into MAE patches and back."""

from __future__ import annotations

import torch
import torch.nn.functional as F


def patchify(images: torch.Tensor, patch_size: int) -> torch.Tensor:
    """images: (B, C, H, W) -> patches (B, n, p*p*C), row-major over the grid."""
    batch, channels, height, width = images.shape
    grid_h, grid_w = height // patch_size, width // patch_size
    patches = images.reshape(batch, channels, grid_h, patch_size, grid_w, patch_size)
    patches = patches.permute(0, 2, 4, 3, 5, 1)
    return patches.reshape(batch, grid_h * grid_w, patch_size * patch_size * channels)


def unpatchify(
    patches: torch.Tensor, patch_size: int, grid: int, channels: int = 3
) -> torch.Tensor:
    """patches: (B, grid*grid, p*p*C) -> images (B, C, grid*p, grid*p)."""
    batch = patches.shape[0]
    images = patches.reshape(batch, grid, grid, patch_size, patch_size, channels)
    images = images.permute(0, 5, 1, 3, 2, 4)
    return images.reshape(batch, channels, grid * patch_size, grid * patch_size)


def patch_means(mask: torch.Tensor, patch_size: int) -> torch.Tensor:
    """Mean of a one-channel map over each patch. mask: (B, 1, H, W) -> (B, n)."""
    return F.avg_pool2d(mask, patch_size).flatten(1)
