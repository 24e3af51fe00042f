"""Reproducible random values for semantic-guided masking (Algorithm 1, step 2).

The values are drawn from a generator seeded by the SHA-256 of the preprocessed image, so the
same input always gives the same mask and therefore the same output bytes. NumPy only: the
worker computes the values and sends them to Triton next to the image.
"""

import hashlib

import numpy as np

NOISE_HIGH = 0.1


def image_seed(image: np.ndarray) -> int:
    """64-bit seed from an image array's float32 bytes. image: (3, H, W) float32 in [0, 1]."""
    digest = hashlib.sha256(np.ascontiguousarray(image, dtype=np.float32).tobytes()).digest()
    return int.from_bytes(digest[:8], "little")


def masking_noise(image: np.ndarray, num_patches: int) -> np.ndarray:
    """Values in [0, 0.1) for each patch, seeded by the image. Returns (num_patches,) float32."""
    generator = np.random.Generator(np.random.PCG64(image_seed(image)))
    return generator.uniform(0.0, NOISE_HIGH, size=num_patches).astype(np.float32)


def batch_masking_noise(images: np.ndarray, num_patches: int) -> np.ndarray:
    """masking_noise for each image of a batch. images: (B, 3, H, W) -> (B, num_patches)."""
    return np.stack([masking_noise(image, num_patches) for image in images])
