"""Configuration of the three networks and of the whole pipeline.

Every size the networks agree on (patch grid, kept tokens, the width of the latent target
identity `f_t`, the fusion decoder's input width) is a derived property here, never typed twice.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Geometry:
    """Input size and MAE patch grid shared by all three networks."""

    image_size: int
    patch_size: int = 16
    mask_ratio: float = 0.5

    def __post_init__(self) -> None:
        if self.patch_size < 1 or self.patch_size & (self.patch_size - 1):
            valid = 1 << (max(self.patch_size, 1).bit_length() - 1)
            raise ValueError(
                f"patch_size must be a power of two, got {self.patch_size}; try {valid}"
            )
        if self.image_size < self.patch_size or self.image_size % self.patch_size:
            valid = max(self.image_size - self.image_size % self.patch_size, self.patch_size)
            raise ValueError(
                f"image_size {self.image_size} is not a multiple of patch_size {self.patch_size}; "
                f"try {valid}"
            )
        if not 0.0 < self.mask_ratio < 1.0:
            raise ValueError(f"mask_ratio must be in (0, 1), got {self.mask_ratio}")

    @property
    def grid_size(self) -> int:
        """Patches per side."""
        return self.image_size // self.patch_size

    @property
    def num_patches(self) -> int:
        """n in Algorithm 1."""
        return self.grid_size**2

    @property
    def num_masked(self) -> int:
        """m = n * lambda in Algorithm 1."""
        return int(self.num_patches * self.mask_ratio)

    @property
    def num_kept(self) -> int:
        """Visible tokens the MAE encoder sees."""
        return self.num_patches - self.num_masked

    @property
    def patch_pixels(self) -> int:
        """Values in one RGB patch (the MAE's per-token prediction)."""
        return self.patch_size**2 * 3


@dataclass(frozen=True)
class ISMConfig:
    """Identity segmentation module: DeepLabV3+ on an smp encoder, plus a real/fake head."""

    encoder_name: str
    decoder_channels: int = 256
    atrous_rates: tuple[int, int, int] = (12, 24, 36)
    classifier_dropout: float = 0.2
    # Weights a fresh training run starts the encoder from (None: random); the input is
    # normalized as (x - input_mean) / input_std, the convention of those weights.
    encoder_weights: str | None = None
    input_mean: float = 0.0
    input_std: float = 1.0
    # Whether the recovery losses train the ISM through m_s (the paper: yes, it has no mask
    # label). With known blend masks the small variant trains its ISM on them alone: through
    # the SIRM's input the source loss pushes m_s up on pristine faces.
    recovery_gradient: bool = True
    # Outside training, the mask and real/fake logits are the mean of the face's and its
    # mirror image's (the mask flipped back): two ISM passes per face.
    mirror_average: bool = False


SOURCE_COMPOSITES = ("none", "mask")


@dataclass(frozen=True)
class SIRMConfig:
    """Source identity recovery module: attention U-Net whose bottleneck splits into f_s, f_t.

    `channels` lists the width of every encoder level; there is one level per halving plus the
    input level, and the number of halvings must equal log2(patch_size) so that the bottleneck
    lands exactly on the MAE's patch grid (one f_t vector per patch).
    """

    channels: tuple[int, ...]
    # How the recovered source is put together: "none" (the paper: the SIRM's output) or "mask"
    # (pixels the ISM marks as source are the input's own, the SIRM fills in the rest).
    composite: str = "none"

    def __post_init__(self) -> None:
        if self.composite not in SOURCE_COMPOSITES:
            raise ValueError(
                f"composite must be one of {SOURCE_COMPOSITES}, got {self.composite!r}"
            )

    @property
    def bottleneck_channels(self) -> int:
        return self.channels[-1]

    @property
    def source_identity_channels(self) -> int:
        """Width of f_s, the half the source decoder sees."""
        return self.bottleneck_channels // 2

    @property
    def target_identity_channels(self) -> int:
        """Width of f_t, the half handed to the TIRM."""
        return self.bottleneck_channels - self.source_identity_channels


COMPOSITES = ("patch", "mask")
PAPER_PATCH_WEIGHT = 0.5  # lambda_3, the MAE patch loss's weight in Eq. 10


@dataclass(frozen=True)
class TIRMConfig:
    """Target identity recovery module: identity-aware masked autoencoder (ViT)."""

    embed_dim: int
    depth: int
    num_heads: int
    decoder_embed_dim: int
    decoder_depth: int
    decoder_num_heads: int
    mlp_ratio: float = 4.0
    # How the recovered target is put together: "patch" (the paper: masked patches predicted,
    # the rest copied) or "mask" (inside masked patches, m_s weighs prediction against input
    # pixel by pixel, so pixels the ISM calls target stay exactly the input's).
    composite: str = "patch"
    # A learned per-pixel logit added to every patch's prediction, zero-mean within each patch
    # and started from the mean aligned face: the decoder then only has to find each patch's
    # colour to draw eyes, nose and mouth where an aligned face has them.
    pixel_prior: bool = False
    # The pixel prior drawn on each face's own geometry: moved from the mean face's 68 landmarks
    # onto the face's (found on the input), so the hidden face keeps the input's feature
    # positions (dfrec/models/face_geometry.py). Needs pixel_prior; the TIRM then takes landmarks.
    geometry_prior: bool = False
    # Pixels either side of an inner patch border that the deblocking filter smooths where the
    # target was changed (0: off; see dfrec/models/deblock.py).
    deblock_width: int = 0

    def __post_init__(self) -> None:
        if self.composite not in COMPOSITES:
            raise ValueError(f"composite must be one of {COMPOSITES}, got {self.composite!r}")
        if self.deblock_width < 0:
            raise ValueError(f"deblock_width is a pixel count >= 0, got {self.deblock_width}")
        if self.geometry_prior and not self.pixel_prior:
            raise ValueError("geometry_prior moves the pixel prior: it needs pixel_prior=True")


@dataclass(frozen=True)
class DFRECConfig:
    """The whole pipeline: one geometry, three networks."""

    variant: str
    geometry: Geometry
    ism: ISMConfig
    sirm: SIRMConfig
    tirm: TIRMConfig

    def __post_init__(self) -> None:
        halvings = len(self.sirm.channels) - 1
        if 2**halvings != self.geometry.patch_size:
            levels = int(math.log2(self.geometry.patch_size)) + 1
            raise ValueError(
                f"SIRM has {halvings} halvings (stride {2**halvings}) but patch_size is "
                f"{self.geometry.patch_size}: give SIRM {levels} channel levels"
            )
        if self.sirm.bottleneck_channels % 2:
            raise ValueError("SIRM bottleneck channels must be even to split into f_s and f_t")

    @property
    def fusion_dim(self) -> int:
        """Width of a visible token after concatenating f_t: the fusion decoder's input."""
        return self.tirm.embed_dim + self.sirm.target_identity_channels

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> DFRECConfig:
        """Inverse of to_dict; unknown or missing keys raise TypeError naming them."""
        ism = dict(data["ism"])
        ism["atrous_rates"] = tuple(ism["atrous_rates"])
        sirm = dict(data["sirm"])
        sirm["channels"] = tuple(sirm["channels"])
        return cls(
            variant=data["variant"],
            geometry=Geometry(**data["geometry"]),
            ism=ISMConfig(**ism),
            sirm=SIRMConfig(**sirm),
            tirm=TIRMConfig(**data["tirm"]),
        )
