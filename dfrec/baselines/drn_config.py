"""DRN's configuration and its named variants: `create_drn_config("drn-small")`.

Every size the three networks agree on (bottleneck side, flattened width) is derived here.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class DRNConfig:
    """E_id, E_attr and D of one DRN.

    channels: width of every encoder level, finest first; each level after the first halves
    the side, so the bottleneck map is (channels[-1], S / 2**(levels - 1), same). vector_dim:
    width of the identity and attribute vectors (flatten + FC on the bottleneck).
    """

    variant: str
    image_size: int
    channels: tuple[int, ...]
    vector_dim: int
    leaky_slope: float = 0.2

    def __post_init__(self) -> None:
        if len(self.channels) < 2:
            raise ValueError(f"DRN needs at least two encoder levels, got {self.channels}")
        stride = 2 ** (len(self.channels) - 1)
        if self.image_size % stride:
            raise ValueError(
                f"image_size {self.image_size} is not divisible by the encoder stride {stride}; "
                f"try {max(self.image_size - self.image_size % stride, stride)}"
            )

    @property
    def bottleneck_size(self) -> int:
        """Side of the deepest feature map."""
        return self.image_size // 2 ** (len(self.channels) - 1)

    @property
    def flat_features(self) -> int:
        """Width of the flattened bottleneck that the FC layer turns into a vector."""
        return self.channels[-1] * self.bottleneck_size**2

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> DRNConfig:
        """Inverse of to_dict; unknown or missing keys raise TypeError naming them."""
        return cls(**{**data, "channels": tuple(data["channels"])})


_VARIANTS: dict[str, Callable[[], DRNConfig]] = {}


def register(name: str) -> Callable[[Callable[[], DRNConfig]], Callable[[], DRNConfig]]:
    def add(builder: Callable[[], DRNConfig]) -> Callable[[], DRNConfig]:
        _VARIANTS[name] = builder
        return builder

    return add


@register("drn-paper")
def paper() -> DRNConfig:
    """The paper's Fig. 1(b): 128 px in, (512, 16, 16) bottleneck, 512-D vectors."""
    return DRNConfig("drn-paper", 128, (64, 128, 256, 512), 512)


@register("drn-small")
def small() -> DRNConfig:
    """CPU variant, 128 px, about 1 s per step of 8 on 2 cores: an eighth of the paper's widths
    and one more halving (8 x 8 bottleneck), so each flatten + FC has 2 M weights; 512-D vectors,
    the recognizer's width."""
    return DRNConfig("drn-small", 128, (8, 16, 32, 64, 64), 512)


@register("drn-tiny")
def tiny() -> DRNConfig:
    """Test variant: 64 px, 8 x 8 bottleneck, 64-D vectors (the recognizer's are projected)."""
    return DRNConfig("drn-tiny", 64, (8, 16, 32, 32), 64)


def drn_variant_names() -> list[str]:
    return sorted(_VARIANTS)


def create_drn_config(name: str) -> DRNConfig:
    """The config of a registered DRN variant."""
    if name not in _VARIANTS:
        raise KeyError(
            f"unknown DRN variant {name!r}; valid variants: {', '.join(drn_variant_names())}"
        )
    return _VARIANTS[name]()
