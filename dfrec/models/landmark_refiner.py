"""Where the target's landmarks were: a correction of the 68 landmarks dlib finds on a fake.

dlib's predictor follows the pasted face's features, so on a fake its points stray from the
target's own (1.0 px median on swaps, 1.7 px on blends, against 0.7 px on real faces). The
refiner looks at a patch of the input around every found point and at the whole found shape
and moves each point by a learned offset, trained on synthesized fakes whose target landmarks
are known (dfrec/training/landmarks.py). Its last layer starts at zero: untrained, it returns
the points it was given. Off in every variant: trained so, it brought the points nearer and
the recovered target further from the target's identity (README, ablation row 35).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

NUM_LANDMARKS = 68
STRIDE_2_CONVS = 2  # the patch encoder halves the patch side this many times


class LandmarkRefiner(nn.Module):
    """image (B, 3, S, S) in [0, 1], landmarks (B, 68, 2) crop pixels -> refined (B, 68, 2).

    patch_size: side in pixels of the patch read around each point (a multiple of 4);
    channels: the patch encoder's first width; hidden: the shape MLP's width."""

    def __init__(self, image_size: int, patch_size: int, channels: int, hidden: int) -> None:
        super().__init__()
        if patch_size % 2**STRIDE_2_CONVS:
            raise ValueError(f"patch_size must be a multiple of 4, got {patch_size}")
        self.image_size = image_size
        self.patch_size = patch_size
        half = (patch_size - 1) / 2
        steps = torch.linspace(-half, half, patch_size)
        ys, xs = torch.meshgrid(steps, steps, indexing="ij")
        self.register_buffer("patch_offsets", torch.stack([xs, ys], -1), persistent=False)
        side = patch_size // 2**STRIDE_2_CONVS
        self.patch_encoder = nn.Sequential(
            nn.Conv2d(3, channels, 3, padding=1),
            nn.GELU(),
            nn.Conv2d(channels, 2 * channels, 3, stride=2, padding=1),
            nn.GELU(),
            nn.Conv2d(2 * channels, 2 * channels, 3, stride=2, padding=1),
            nn.GELU(),
            nn.Flatten(),
            nn.Linear(2 * channels * side * side, channels),
        )
        self.point_embedding = nn.Parameter(torch.zeros(NUM_LANDMARKS, channels))
        self.shape_head = nn.Sequential(
            nn.Linear(NUM_LANDMARKS * (channels + 2), hidden),
            nn.GELU(),
            nn.Linear(hidden, NUM_LANDMARKS * 2),
        )
        nn.init.zeros_(self.shape_head[-1].weight)
        nn.init.zeros_(self.shape_head[-1].bias)

    def patches(self, image: torch.Tensor, landmarks: torch.Tensor) -> torch.Tensor:
        """(B, 3, S, S), (B, 68, 2) -> (B * 68, 3, P, P): the image around each point, bilinear,
        pixel spacing 1, edges repeated."""
        where = landmarks[:, :, None, None, :] + self.patch_offsets  # (B, 68, P, P, 2)
        grid = (where / (self.image_size - 1) * 2 - 1).flatten(1, 2)  # (B, 68 * P, P, 2)
        sampled = F.grid_sample(
            image, grid.to(image.dtype), mode="bilinear", padding_mode="border", align_corners=True
        )  # (B, 3, 68 * P, P)
        return sampled.unflatten(2, (NUM_LANDMARKS, self.patch_size)).transpose(1, 2).flatten(0, 1)

    def forward(self, image: torch.Tensor, landmarks: torch.Tensor) -> torch.Tensor:
        landmarks = landmarks.float()
        features = self.patch_encoder(self.patches(image, landmarks))  # (B * 68, C)
        features = features.unflatten(0, (-1, NUM_LANDMARKS)) + self.point_embedding
        shape = landmarks / (self.image_size - 1) * 2 - 1  # (B, 68, 2) in [-1, 1]
        joined = torch.cat([features, shape], dim=-1).flatten(1)
        return landmarks + self.shape_head(joined).unflatten(1, (NUM_LANDMARKS, 2))
