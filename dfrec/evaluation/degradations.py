"""Deterministic image degradations for the robustness rows (the paper's Table V settings:
Gaussian blur kernel 3-7, JPEG quality 50-99, Gaussian noise variance 10-50 on 0-255 pixels)."""

from __future__ import annotations

import zlib
from dataclasses import dataclass

import cv2
import numpy as np
import torch


def _to_uint8(image: torch.Tensor) -> np.ndarray:
    """(3, S, S) float in [0, 1] -> (S, S, 3) uint8."""
    return (image.clamp(0, 1).permute(1, 2, 0).numpy() * 255.0).round().astype(np.uint8)


def _from_uint8(image: np.ndarray) -> torch.Tensor:
    """(S, S, 3) uint8 -> (3, S, S) float32 in [0, 1]."""
    return torch.from_numpy(image.astype(np.float32) / 255.0).permute(2, 0, 1).contiguous()


def gaussian_blur(images: torch.Tensor, kernel: int) -> torch.Tensor:
    """Gaussian blur with an odd kernel side; sigma from the kernel as OpenCV chooses it.
    (B, 3, S, S) in [0, 1] -> same shape, 8-bit pixels."""
    if kernel < 3 or kernel % 2 == 0:
        raise ValueError(f"blur kernel must be odd and >= 3, got {kernel}")
    return torch.stack(
        [_from_uint8(cv2.GaussianBlur(_to_uint8(im), (kernel, kernel), 0)) for im in images]
    )


def low_pass(images: torch.Tensor, sigma: float) -> torch.Tensor:
    """Gaussian blur with sigma pixels, in float (no 8-bit rounding). (N, 3, S, S) -> same."""
    channels_last = images.permute(0, 2, 3, 1).numpy()
    blurred = np.stack([cv2.GaussianBlur(image, (0, 0), sigma) for image in channels_last])
    return torch.from_numpy(blurred).permute(0, 3, 1, 2)


def jpeg(images: torch.Tensor, quality: int) -> torch.Tensor:
    """JPEG encode + decode at a quality in [1, 100]. (B, 3, S, S) -> same shape."""
    if not 1 <= quality <= 100:
        raise ValueError(f"JPEG quality must be in [1, 100], got {quality}")
    out = []
    for image in images:
        bgr = cv2.cvtColor(_to_uint8(image), cv2.COLOR_RGB2BGR)
        ok, encoded = cv2.imencode(".jpg", bgr, [cv2.IMWRITE_JPEG_QUALITY, quality])
        if not ok:
            raise RuntimeError("JPEG encoding failed")
        decoded = cv2.imdecode(encoded, cv2.IMREAD_COLOR)
        out.append(_from_uint8(cv2.cvtColor(decoded, cv2.COLOR_BGR2RGB)))
    return torch.stack(out)


def gaussian_noise(images: torch.Tensor, variance: float, seed: int = 0) -> torch.Tensor:
    """Additive Gaussian noise of the given variance on the 0-255 scale, rounded to 8 bits.

    Each image's noise is seeded by (seed, variance, CRC32 of its bytes), so the result does
    not depend on batching. (B, 3, S, S) -> same shape.
    """
    if variance <= 0:
        raise ValueError(f"noise variance must be positive, got {variance}")
    out = []
    for image in images:
        pixels = _to_uint8(image)
        rng = np.random.default_rng([seed, int(variance * 1000), zlib.crc32(pixels.tobytes())])
        noisy = pixels.astype(np.float64) + rng.normal(0.0, np.sqrt(variance), pixels.shape)
        out.append(_from_uint8(noisy.round().clip(0, 255).astype(np.uint8)))
    return torch.stack(out)


@dataclass(frozen=True)
class Condition:
    """One input condition: "clean" or a degradation with its level."""

    kind: str  # "clean", "blur", "jpeg" or "noise"
    level: float = 0.0

    @property
    def name(self) -> str:
        if self.kind == "clean":
            return "clean"
        label = {"blur": "blur k", "jpeg": "JPEG q", "noise": "noise var "}[self.kind]
        return f"{label}{self.level:g}"

    def apply(self, images: torch.Tensor) -> torch.Tensor:
        """(B, 3, S, S) in [0, 1] -> the degraded images (unchanged for "clean")."""
        if self.kind == "clean":
            return images
        if self.kind == "blur":
            return gaussian_blur(images, int(self.level))
        if self.kind == "jpeg":
            return jpeg(images, int(self.level))
        if self.kind == "noise":
            return gaussian_noise(images, self.level)
        raise ValueError(f"unknown degradation {self.kind!r}")


CLEAN = Condition("clean")
ROBUSTNESS = (
    Condition("blur", 3),
    Condition("blur", 5),
    Condition("blur", 7),
    Condition("jpeg", 50),
    Condition("jpeg", 75),
    Condition("jpeg", 99),
    Condition("noise", 10),
    Condition("noise", 30),
    Condition("noise", 50),
)
