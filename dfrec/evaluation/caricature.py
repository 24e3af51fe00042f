"""A caricature of a face's landmarks: its departure from the mean face shape, made larger
(measured as a source of the geometry prior's landmarks in bench/landmark_caricature.py).

The mean shape is first moved onto the face by the least-squares similarity (closed form in
2-D, batched); pose, size and position then stay the face's and only its shape is exaggerated.
"""

from __future__ import annotations

import torch


def fitted_mean_shape(landmarks: torch.Tensor, mean_shape: torch.Tensor) -> torch.Tensor:
    """mean_shape (P, 2) moved onto each face's landmarks (B, P, 2) by the similarity (scale,
    rotation, shift) with the least squared distance: (B, P, 2)."""
    mean_offsets = mean_shape - mean_shape.mean(dim=0)  # (P, 2)
    face_centres = landmarks.mean(dim=1, keepdim=True)  # (B, 1, 2)
    face_offsets = landmarks - face_centres
    spread = mean_offsets.square().sum()
    along = (face_offsets * mean_offsets).sum(dim=(1, 2)) / spread  # (B,) scale * cos
    across = (  # (B,) scale * sin
        mean_offsets[:, 0] * face_offsets[..., 1] - mean_offsets[:, 1] * face_offsets[..., 0]
    ).sum(dim=1) / spread
    turned = torch.stack([-mean_offsets[:, 1], mean_offsets[:, 0]], dim=-1)  # (P, 2), 90 degrees
    return face_centres + along[:, None, None] * mean_offsets + across[:, None, None] * turned


def caricature(landmarks: torch.Tensor, mean_shape: torch.Tensor, factor: float) -> torch.Tensor:
    """landmarks (B, P, 2) moved factor times as far from mean_shape (P, 2) fitted to each face:
    (B, P, 2). factor 1 leaves them where they are (up to rounding), above 1 exaggerates."""
    fitted = fitted_mean_shape(landmarks, mean_shape)
    return fitted + factor * (landmarks - fitted)
