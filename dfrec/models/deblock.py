"""A deblocking filter for the MAE's patch grid (as block-based video codecs smooth their block
edges): where the recovered target was changed, the pixels within `width` of an inner patch
border are pulled towards a Gaussian blur of the image: fully at the border, not at all from
`width` pixels away. Pixels the composite left alone, and everything farther than `width` from
a changed pixel, stay exactly the input's.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F


def border_band(image_size: int, patch_size: int, width: int) -> torch.Tensor:
    """How much each pixel is smoothed: 1 - d / width for d, the pixels between it and the
    nearest inner patch border (1 for the pixels touching a border, 0 from `width` pixels
    away; the image's own edges are no seam). -> (1, 1, S, S)"""
    position = torch.arange(image_size, dtype=torch.float32)
    offset = position % patch_size  # pixels from the patch's left / top border
    distance = torch.minimum(offset, patch_size - 1 - offset)
    inner = (position >= patch_size // 2) & (position < image_size - patch_size // 2)
    weight = ((1.0 - distance / width).clamp(min=0.0) * inner).float()  # (S,)
    return torch.maximum(weight[None, :], weight[:, None])[None, None]


def gaussian_blur(image: torch.Tensor, sigma: float, radius: int) -> torch.Tensor:
    """Separable Gaussian blur with reflected borders. (B, C, H, W) -> (B, C, H, W)."""
    taps = torch.arange(-radius, radius + 1, dtype=image.dtype, device=image.device)
    kernel = torch.exp(-(taps**2) / (2 * sigma**2))
    kernel = kernel / kernel.sum()
    channels = image.shape[1]
    horizontal = kernel.view(1, 1, 1, -1).repeat(channels, 1, 1, 1)
    vertical = kernel.view(1, 1, -1, 1).repeat(channels, 1, 1, 1)
    padded = F.pad(image, (radius, radius, 0, 0), mode="reflect")
    image = F.conv2d(padded, horizontal, groups=channels)
    padded = F.pad(image, (0, 0, radius, radius), mode="reflect")
    return F.conv2d(padded, vertical, groups=channels)


def deblock(
    image: torch.Tensor, changed: torch.Tensor, band: torch.Tensor, width: int
) -> torch.Tensor:
    """Smooth the patch seams near changed pixels. image: (B, 3, S, S); changed: (B, 1, S, S) in
    [0, 1], how much of each pixel is predicted; band: `border_band` (1, 1, S, S) -> (B, 3, S, S).
    """
    near_change = F.max_pool2d(changed, 2 * width + 1, stride=1, padding=width)
    blurred = gaussian_blur(image, sigma=width / 2, radius=width)
    return image + band * near_change * (blurred - image)
