"""Map the frozen FaceNet graph's constants onto the torch module, checking every step.

Each ConvUnit takes `<tf_scope>/weights` (HWIO -> OIHW) and its bias (`Conv2D_bn_offset` where
batch norm was folded, `biases` otherwise); its stride and padding must match the graph's Conv2D
node, each residual block's scale must match `<tf_scope>/mul/x`, and no float weight of the graph
may be left unused. Any mismatch raises PretrainedFileError naming the layer.
"""

from pathlib import Path

import numpy as np
import torch
from torch import nn

from dfrec.pretrained.facenet_blocks import ConvUnit, ResidualInceptionBlock
from dfrec.pretrained.package_files import PretrainedFileError
from dfrec.pretrained.tf_graph import FrozenGraph, read_frozen_graph

BOTTLENECK = "InceptionResnetV1/Bottleneck"


class _GraphReader:
    """Fetches constants by name, remembering which were used."""

    def __init__(self, graph: FrozenGraph, path: Path):
        self.graph = graph
        self.path = path
        self.used: set[str] = set()

    def fail(self, message: str) -> PretrainedFileError:
        return PretrainedFileError(
            f"{self.path} does not match FaceNet InceptionResnetV1: {message}"
        )

    def constant(self, name: str) -> np.ndarray:
        if name not in self.graph.constants:
            raise self.fail(f"constant '{name}' is missing")
        self.used.add(name)
        return self.graph.constants[name]

    def node(self, name: str):
        if name not in self.graph.nodes:
            raise self.fail(f"node '{name}' is missing")
        return self.graph.nodes[name]


def _conv_state(reader: _GraphReader, unit: ConvUnit) -> tuple[torch.Tensor, torch.Tensor]:
    node = reader.node(f"{unit.tf_scope}/Conv2D")
    expected = {
        "strides": [1, unit.tf_stride, unit.tf_stride, 1],
        "padding": unit.tf_padding.encode(),
        "data_format": b"NHWC",
    }
    for key, value in expected.items():
        if node.attrs.get(key) != value:
            raise reader.fail(f"{unit.tf_scope}: {key} is {node.attrs.get(key)}, expected {value}")
    weight = torch.from_numpy(reader.constant(f"{unit.tf_scope}/weights")).permute(3, 2, 0, 1)
    bias_names = [f"{unit.tf_scope}/Conv2D_bn_offset", f"{unit.tf_scope}/biases"]
    present = [name for name in bias_names if name in reader.graph.constants]
    if len(present) != 1:
        raise reader.fail(f"{unit.tf_scope}: expected one bias of {bias_names}, found {present}")
    return weight.contiguous(), torch.from_numpy(reader.constant(present[0]))


def _bottleneck_state(reader: _GraphReader) -> tuple[torch.Tensor, torch.Tensor]:
    """Linear weight (512, 1792) and bias (512,) with the inference batch norm folded in."""
    norm = reader.node(f"{BOTTLENECK}/BatchNorm/cond/FusedBatchNorm_1")
    if norm.op != "FusedBatchNorm" or norm.attrs.get("is_training"):
        raise reader.fail("the bottleneck batch norm is not an inference FusedBatchNorm")
    gamma, beta, mean, variance = (reader.constant(name) for name in norm.inputs[1:])
    scale = gamma / np.sqrt(variance + np.float32(norm.attrs["epsilon"]))
    weight = reader.constant(f"{BOTTLENECK}/weights") * scale  # (1792, 512)
    bias = beta - mean * scale
    return torch.from_numpy(weight.T.copy()), torch.from_numpy(bias.astype(np.float32))


def facenet_state_dict(model: nn.Module, path: Path, input_size: int) -> dict[str, torch.Tensor]:
    """State dict for `model` (a FaceNet) from the frozen graph at `path`."""
    reader = _GraphReader(read_frozen_graph(path), path)
    input_shape = reader.node("input").attrs.get("shape")
    if input_shape and input_shape[1:] != [input_size, input_size, 3]:
        raise reader.fail(f"input shape {input_shape}, expected (N, {input_size}, {input_size}, 3)")
    state = {}
    for module_name, module in model.named_modules():
        if isinstance(module, ConvUnit):
            weight, bias = _conv_state(reader, module)
            state[f"{module_name}.conv.weight"], state[f"{module_name}.conv.bias"] = weight, bias
        elif isinstance(module, ResidualInceptionBlock):
            scale = float(reader.constant(f"{module.tf_scope}/mul/x"))
            if abs(scale - module.scale) > 1e-6:
                raise reader.fail(f"{module.tf_scope}: scale {scale}, expected {module.scale}")
    state["last_bn.weight"], state["last_bn.bias"] = _bottleneck_state(reader)
    unused = [
        name
        for name, value in reader.graph.constants.items()
        if value.dtype == np.float32 and value.size > 1 and name not in reader.used
    ]
    if unused:
        raise reader.fail(f"{len(unused)} weight tensors are not used, e.g. {unused[:3]}")
    return state
