"""The face geometry the TIRM draws a hidden face on: a piecewise-affine sampling grid that moves
the mean aligned face's 68 landmarks onto one face's own landmarks.

The triangles are fixed (the Delaunay triangulation of the template plus 8 border points), so
the grid is plain tensor arithmetic that a batch, TorchScript and ONNX all take.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from scipy.spatial import Delaunay
from torch import nn

from dfrec.data.align import template_landmarks

BORDER_FRACTIONS = np.array(
    [[0, 0], [0.5, 0], [1, 0], [1, 0.5], [1, 1], [0.5, 1], [0, 1], [0, 0.5]], dtype=np.float32
)  # points on the crop border that stay in place, so every pixel lies in a triangle
GRID_STEP = 2  # the grid is computed every GRID_STEP pixels and bilinearly upsampled


class LandmarkWarp(nn.Module):
    """landmarks (B, 68, 2) crop pixels -> grid (B, S, S, 2) in [-1, 1] for
    `F.grid_sample(..., align_corners=True)`: sampling an image drawn on the template at the grid
    moves its landmarks onto the given ones."""

    def __init__(self, image_size: int) -> None:
        super().__init__()
        self.image_size = image_size
        border = BORDER_FRACTIONS * (image_size - 1)
        template = np.concatenate([template_landmarks(image_size), border])
        self.register_buffer("border", torch.from_numpy(border), persistent=False)
        triangles = Delaunay(template.astype(np.float64)).simplices.astype(np.int64)
        self.register_buffer("triangles", torch.from_numpy(triangles), persistent=False)
        corners = torch.from_numpy(template[triangles])  # (T, 3, 2) on the template
        self.register_buffer("template_corners", corners, persistent=False)
        coarse = torch.linspace(0, image_size - 1, image_size // GRID_STEP)
        ys, xs = torch.meshgrid(coarse, coarse, indexing="ij")
        self.register_buffer("pixels", torch.stack([xs, ys], -1).reshape(-1, 2), persistent=False)

    def forward(self, landmarks: torch.Tensor) -> torch.Tensor:
        batch = landmarks.shape[0]
        points = torch.cat([landmarks.float(), self.border.expand(batch, -1, -1)], dim=1)
        corners = points[:, self.triangles]  # (B, T, 3, 2) on the face
        origin = corners[:, :, 0]  # (B, T, 2)
        edge_b, edge_c = corners[:, :, 1] - origin, corners[:, :, 2] - origin
        determinant = edge_b[..., 0] * edge_c[..., 1] - edge_b[..., 1] * edge_c[..., 0]
        tiny = torch.full_like(determinant, 1e-6)  # a folded triangle holds no pixel
        determinant = torch.where(determinant.abs() < 1e-6, tiny, determinant)
        offset = self.pixels[None, None] - origin[:, :, None]  # (B, T, P, 2)
        weight_b = offset[..., 0] * edge_c[..., 1, None] - offset[..., 1] * edge_c[..., 0, None]
        weight_c = edge_b[..., 0, None] * offset[..., 1] - edge_b[..., 1, None] * offset[..., 0]
        weight_b = weight_b / determinant[..., None]
        weight_c = weight_c / determinant[..., None]
        inside = (weight_b >= -1e-4) & (weight_c >= -1e-4) & (weight_b + weight_c <= 1 + 1e-4)
        triangle = inside.to(torch.float32).argmax(dim=1)  # (B, P): the first triangle holding it
        found = inside.any(dim=1)  # (B, P)
        weight_b = weight_b.gather(1, triangle[:, None]).squeeze(1)
        weight_c = weight_c.gather(1, triangle[:, None]).squeeze(1)
        source = self.template_corners[triangle]  # (B, P, 3, 2) on the template
        position = (
            source[:, :, 0]
            + weight_b[..., None] * (source[:, :, 1] - source[:, :, 0])
            + weight_c[..., None] * (source[:, :, 2] - source[:, :, 0])
        )
        position = torch.where(found[..., None], position, self.pixels[None])
        side = self.image_size // GRID_STEP
        coarse = position.reshape(batch, side, side, 2).permute(0, 3, 1, 2)
        size = (self.image_size, self.image_size)
        full = F.interpolate(coarse, size=size, mode="bilinear", align_corners=True)
        return (full / (self.image_size - 1) * 2 - 1).permute(0, 2, 3, 1)
