"""DRN, the disentangling reversing network of seed 002 (the baseline DFREC beats).

Vocabulary. DRN's "original face" I_ori is the genuine face the forgery edited: the fake keeps
its pose, expression and lighting but wears someone else's identity. In our synthetic data that
is the **target** (the photo that was edited). DRN's "target face" is the identity donor, our
**source**; DRN neither sees nor recovers it. The "traced face" I_tra is DRN's estimate of the
original, so of our target:

    I_tra = D(E_id(I_fake), E_attr(I_fake))

E_id (the paper's E_id_ori) is trained to map a fake's identity to the original's identity
(L_map), so it extracts the original identity from the fake; E_attr takes the fake's attributes.

Architecture (paper Fig. 1 b): both encoders are U-Net contracting paths (two 3x3 conv + BN +
LeakyReLU per level, 2x2 max pooling between levels) ending in flatten + FC, which give the
identity / attribute vectors the losses see. The shared decoder takes the two bottleneck maps
concatenated on channels, fuses them with one more conv unit (the paper's fifth decoder layer,
needed because its input is doubled) and goes up level by level, each time concatenating the
skips of both encoders at that scale. Kaiming initialisation for LeakyReLU, as in the paper.
"""

from __future__ import annotations

from typing import NamedTuple

import torch
from torch import nn

from dfrec.baselines.drn_config import DRNConfig


def conv_unit(in_channels: int, out_channels: int, slope: float) -> nn.Sequential:
    """Two 3x3 conv + BN + LeakyReLU, the U-Net unit."""
    return nn.Sequential(
        nn.Conv2d(in_channels, out_channels, 3, padding=1, bias=False),
        nn.BatchNorm2d(out_channels),
        nn.LeakyReLU(slope, inplace=True),
        nn.Conv2d(out_channels, out_channels, 3, padding=1, bias=False),
        nn.BatchNorm2d(out_channels),
        nn.LeakyReLU(slope, inplace=True),
    )


class EncodedFace(NamedTuple):
    maps: list[torch.Tensor]  # per level, finest first: (B, channels[l], S / 2**l, S / 2**l)
    vector: torch.Tensor  # (B, vector_dim): the identity or attribute vector


class DRNEncoder(nn.Module):
    """U-Net contracting path + flatten + FC. (B, 3, S, S) in [0, 1] -> EncodedFace."""

    def __init__(self, config: DRNConfig) -> None:
        super().__init__()
        channels, slope = config.channels, config.leaky_slope
        self.levels = nn.ModuleList(
            [conv_unit(3, channels[0], slope)]
            + [conv_unit(channels[i - 1], channels[i], slope) for i in range(1, len(channels))]
        )
        self.downsample = nn.MaxPool2d(2)
        self.to_vector = nn.Sequential(
            nn.Flatten(), nn.Linear(config.flat_features, config.vector_dim)
        )

    def forward(self, images: torch.Tensor) -> EncodedFace:
        maps = [self.levels[0](images)]
        for level in self.levels[1:]:
            maps.append(level(self.downsample(maps[-1])))
        return EncodedFace(maps, self.to_vector(maps[-1]))


class DRNDecoder(nn.Module):
    """D: identity maps + attribute maps (both finest first) -> face (B, 3, S, S) in [0, 1]."""

    def __init__(self, config: DRNConfig) -> None:
        super().__init__()
        channels, slope = config.channels, config.leaky_slope
        self.fuse = conv_unit(2 * channels[-1], channels[-1], slope)
        self.upsample = nn.ModuleList(
            nn.ConvTranspose2d(channels[level + 1], channels[level], 2, stride=2)
            for level in reversed(range(len(channels) - 1))
        )
        self.stages = nn.ModuleList(
            conv_unit(3 * channels[level], channels[level], slope)
            for level in reversed(range(len(channels) - 1))
        )
        self.to_image = nn.Sequential(nn.Conv2d(channels[0], 3, 1), nn.Sigmoid())

    def forward(
        self, identity_maps: list[torch.Tensor], attribute_maps: list[torch.Tensor]
    ) -> torch.Tensor:
        features = self.fuse(torch.cat([identity_maps[-1], attribute_maps[-1]], dim=1))
        skips = zip(reversed(identity_maps[:-1]), reversed(attribute_maps[:-1]), strict=True)
        for upsample, stage, (identity, attribute) in zip(
            self.upsample, self.stages, skips, strict=True
        ):
            features = stage(torch.cat([upsample(features), identity, attribute], dim=1))
        return self.to_image(features)


class DRNOutput(NamedTuple):
    """Everything the six losses need; images (B, 3, S, S) in [0, 1], vectors (B, vector_dim)."""

    reconstructed: torch.Tensor  # D(E_id(I_ori), E_attr(I_ori)): the original rebuilt
    traced: torch.Tensor  # I_tra = D(E_id(I_fake), E_attr(I_fake))
    identity_original: torch.Tensor  # E_id(I_ori)
    identity_fake: torch.Tensor  # E_id(I_fake)
    identity_traced: torch.Tensor  # E_id(I_tra)
    attribute_original: torch.Tensor  # E_attr(I_ori)
    attribute_fake: torch.Tensor  # E_attr(I_fake)


def kaiming_init(module: nn.Module, slope: float) -> None:
    """Kaiming-normal weights for LeakyReLU(slope), zero biases (conv, deconv, linear)."""
    if isinstance(module, nn.Conv2d | nn.ConvTranspose2d | nn.Linear):
        nn.init.kaiming_normal_(module.weight, a=slope, nonlinearity="leaky_relu")
        if module.bias is not None:
            nn.init.zeros_(module.bias)


class DRN(nn.Module):
    """E_id, E_attr and the shared decoder D."""

    def __init__(self, config: DRNConfig) -> None:
        super().__init__()
        self.config = config
        self.identity_encoder = DRNEncoder(config)
        self.attribute_encoder = DRNEncoder(config)
        self.decoder = DRNDecoder(config)
        self.apply(lambda module: kaiming_init(module, config.leaky_slope))

    def forward(self, original: torch.Tensor, fake: torch.Tensor) -> DRNOutput:
        """Training pass. original (I_ori, our target), fake: (B, 3, S, S) in [0, 1].

        Original and fake go through the encoders and the decoder as one batch of 2B.
        """
        both = torch.cat([original, fake])
        identity = self.identity_encoder(both)
        attribute = self.attribute_encoder(both)
        reconstructed, traced = self.decoder(identity.maps, attribute.maps).chunk(2)
        identity_original, identity_fake = identity.vector.chunk(2)
        attribute_original, attribute_fake = attribute.vector.chunk(2)
        return DRNOutput(
            reconstructed=reconstructed,
            traced=traced,
            identity_original=identity_original,
            identity_fake=identity_fake,
            identity_traced=self.identity_encoder(traced).vector,
            attribute_original=attribute_original,
            attribute_fake=attribute_fake,
        )

    def trace(self, fake: torch.Tensor) -> torch.Tensor:
        """I_tra = D(E_id(fake), E_attr(fake)). (B, 3, S, S) -> (B, 3, S, S) in [0, 1]."""
        return self.decoder(self.identity_encoder(fake).maps, self.attribute_encoder(fake).maps)


def drn_recover(model: DRN, images: torch.Tensor) -> torch.Tensor:
    """The target (DRN's traced original) of each face, without gradients.

    images: (B, 3, S, S) RGB in [0, 1] at the model's image_size -> (B, 3, S, S) in [0, 1].
    Give the model in eval mode, as `load_drn` returns it.
    """
    size = model.config.image_size
    if images.dim() != 4 or images.shape[1:] != (3, size, size):
        raise ValueError(f"expected images (B, 3, {size}, {size}), got {tuple(images.shape)}")
    with torch.no_grad():
        return model.trace(images)
