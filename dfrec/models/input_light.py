"""The input's own light inside the recovered face. Swap tools keep the target's lighting: they
recolour the pasted face to the target's colour statistics and blend it so that the target's
low-frequency light shows through (Poisson cloning; the synthesizer's `dfrec/data/color.py`
does the same). So the input blurred inside the face is close to the target's face blurred, and
the MAE, which sees only the kept patches, never reads it. This takes the recovered target's
low frequencies inside its changed pixels from the input instead:
target + changed * (G(input) - G(target)), G a Gaussian mean weighted by m_s.
"""

from __future__ import annotations

import torch

from dfrec.models.deblock import gaussian_blur

MIN_SUPPORT = 1e-3  # floor of the blurred weight, so pixels far from any support stay finite


def support_mean(image: torch.Tensor, support: torch.Tensor, sigma: float) -> torch.Tensor:
    """Gaussian mean of image (B, C, S, S) over the pixels support (B, 1, S, S) weighs, sigma
    in pixels (radius 3 sigma, at most S - 1) -> (B, C, S, S)."""
    radius = min(int(3 * sigma), image.shape[-1] - 1)
    weight = gaussian_blur(support, sigma, radius).clamp(min=MIN_SUPPORT)
    return gaussian_blur(image * support, sigma, radius) / weight


def keep_input_light(
    target: torch.Tensor,
    image: torch.Tensor,
    changed: torch.Tensor,
    support: torch.Tensor,
    sigma: float,
) -> torch.Tensor:
    """target, image: (B, 3, S, S); changed: (B, 1, S, S) in [0, 1], how much of each pixel the
    MAE drew; support: (B, 1, S, S) m_s. -> (B, 3, S, S) in [0, 1]; pixels with changed = 0
    stay exactly target's."""
    difference = support_mean(image, support, sigma) - support_mean(target, support, sigma)
    return (target + changed * difference).clamp(0.0, 1.0)
