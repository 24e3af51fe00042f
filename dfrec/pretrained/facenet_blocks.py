"""Building blocks of FaceNet's InceptionResnetV1, each tagged with its TensorFlow name scope.

Batch norm is folded into the convolutions in the frozen graph, so a unit is conv + bias (+ ReLU).
Every unit keeps `tf_scope` and its TensorFlow padding/stride so the loader can fetch its weights
by name and check the graph agrees with the architecture.
"""

from dataclasses import dataclass

import torch
from torch import nn


@dataclass(frozen=True)
class ConvSpec:
    """One convolution: TensorFlow layer name, output channels, kernel (h, w), stride, padding."""

    name: str
    out_channels: int
    kernel: tuple[int, int]
    stride: int = 1
    padding: str = "SAME"


class ConvUnit(nn.Module):
    """Conv2d (+ ReLU) matching a TensorFlow conv layer. (B, C_in, H, W) -> (B, C_out, H', W')."""

    def __init__(self, in_channels: int, spec: ConvSpec, tf_scope: str, relu: bool = True):
        super().__init__()
        if spec.padding == "SAME" and spec.stride != 1:
            raise ValueError("TensorFlow SAME padding with stride > 1 is asymmetric; not supported")
        padding = tuple(k // 2 for k in spec.kernel) if spec.padding == "SAME" else (0, 0)
        self.conv = nn.Conv2d(in_channels, spec.out_channels, spec.kernel, spec.stride, padding)
        self.relu = relu
        self.tf_scope = tf_scope
        self.tf_stride = spec.stride
        self.tf_padding = spec.padding

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.conv(x)
        return torch.relu(x) if self.relu else x


def conv_chain(in_channels: int, specs: list[ConvSpec], tf_scope: str) -> nn.Sequential:
    """Consecutive ConvUnits, each taking the previous one's channels."""
    units = []
    for spec in specs:
        units.append(ConvUnit(in_channels, spec, f"{tf_scope}/{spec.name}"))
        in_channels = spec.out_channels
    return nn.Sequential(*units)


class InceptionBranches(nn.Module):
    """Parallel conv branches (+ an optional 3x3/2 max-pool branch), concatenated on channels.

    (B, C_in, H, W) -> (B, sum of branch outputs (+ C_in for the pool branch), H', W').
    """

    def __init__(
        self, in_channels: int, branches: list[list[ConvSpec]], tf_scope: str, pool: bool = False
    ):
        super().__init__()
        self.branches = nn.ModuleList(
            conv_chain(in_channels, specs, f"{tf_scope}/Branch_{index}")
            for index, specs in enumerate(branches)
        )
        self.pool = nn.MaxPool2d(3, stride=2) if pool else None
        self.out_channels = sum(specs[-1].out_channels for specs in branches)
        self.out_channels += in_channels if pool else 0

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        outputs = [branch(x) for branch in self.branches]
        if self.pool is not None:
            outputs.append(self.pool(x))
        return torch.cat(outputs, dim=1)


class ResidualInceptionBlock(nn.Module):
    """x + scale * up(branches(x)), then ReLU unless `relu=False`. (B, C, H, W) -> same shape.

    `scale` must equal the graph's `<tf_scope>/mul/x` constant (checked on load).
    """

    def __init__(
        self,
        channels: int,
        branches: list[list[ConvSpec]],
        scale: float,
        tf_scope: str,
        relu: bool = True,
    ):
        super().__init__()
        self.branches = InceptionBranches(channels, branches, tf_scope)
        up_spec = ConvSpec("Conv2d_1x1", channels, (1, 1))
        self.up = ConvUnit(self.branches.out_channels, up_spec, f"{tf_scope}/Conv2d_1x1", False)
        self.scale = scale
        self.relu = relu
        self.tf_scope = tf_scope

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x + self.scale * self.up(self.branches(x))
        return torch.relu(x) if self.relu else x


def _one(name: str, channels: int) -> ConvSpec:
    return ConvSpec(name, channels, (1, 1))


BLOCK35_BRANCHES = [
    [_one("Conv2d_1x1", 32)],
    [_one("Conv2d_0a_1x1", 32), ConvSpec("Conv2d_0b_3x3", 32, (3, 3))],
    [
        _one("Conv2d_0a_1x1", 32),
        ConvSpec("Conv2d_0b_3x3", 32, (3, 3)),
        ConvSpec("Conv2d_0c_3x3", 32, (3, 3)),
    ],
]
BLOCK17_BRANCHES = [
    [_one("Conv2d_1x1", 128)],
    [
        _one("Conv2d_0a_1x1", 128),
        ConvSpec("Conv2d_0b_1x7", 128, (1, 7)),
        ConvSpec("Conv2d_0c_7x1", 128, (7, 1)),
    ],
]
BLOCK8_BRANCHES = [
    [_one("Conv2d_1x1", 192)],
    [
        _one("Conv2d_0a_1x1", 192),
        ConvSpec("Conv2d_0b_1x3", 192, (1, 3)),
        ConvSpec("Conv2d_0c_3x1", 192, (3, 1)),
    ],
]
MIXED_6A_BRANCHES = [
    [ConvSpec("Conv2d_1a_3x3", 384, (3, 3), 2, "VALID")],
    [
        _one("Conv2d_0a_1x1", 192),
        ConvSpec("Conv2d_0b_3x3", 192, (3, 3)),
        ConvSpec("Conv2d_1a_3x3", 256, (3, 3), 2, "VALID"),
    ],
]
MIXED_7A_BRANCHES = [
    [_one("Conv2d_0a_1x1", 256), ConvSpec("Conv2d_1a_3x3", 384, (3, 3), 2, "VALID")],
    [_one("Conv2d_0a_1x1", 256), ConvSpec("Conv2d_1a_3x3", 256, (3, 3), 2, "VALID")],
    [
        _one("Conv2d_0a_1x1", 256),
        ConvSpec("Conv2d_0b_3x3", 256, (3, 3)),
        ConvSpec("Conv2d_1a_3x3", 256, (3, 3), 2, "VALID"),
    ],
]
STEM = [
    ConvSpec("Conv2d_1a_3x3", 32, (3, 3), 2, "VALID"),
    ConvSpec("Conv2d_2a_3x3", 32, (3, 3), 1, "VALID"),
    ConvSpec("Conv2d_2b_3x3", 64, (3, 3)),
]
STEM_AFTER_POOL = [
    ConvSpec("Conv2d_3b_1x1", 80, (1, 1), 1, "VALID"),
    ConvSpec("Conv2d_4a_3x3", 192, (3, 3), 1, "VALID"),
    ConvSpec("Conv2d_4b_3x3", 256, (3, 3), 2, "VALID"),
]
