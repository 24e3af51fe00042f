"""One serving module -> one self-contained ONNX file with a dynamic batch dimension.

The opset is pinned (OPSET): the GPU image's onnxruntime (Triton 26.07: 1.27.0) and TensorRT
parser read it, and the torch exporter cannot write older ones. Written by the dynamo exporter
with one custom translation: the stable argsort of Algorithm 1 (`onnx_sort.py`).
"""

from __future__ import annotations

import warnings
from pathlib import Path

import onnx
import torch

from dfrec.export.onnx_sort import aten_sort_stable
from dfrec.export.wrappers import ServingModel

OPSET = 18
IR_VERSION = 10  # read by onnxruntime >= 1.19 (Triton >= 24.10) and TensorRT 10


def example_inputs(serving: ServingModel, batch_size: int) -> tuple[torch.Tensor, ...]:
    """Random inputs of the declared shapes: (batch_size, *dims) each."""
    generator = torch.Generator().manual_seed(0)
    return tuple(
        torch.rand((batch_size, *spec.dims), generator=generator) for spec in serving.inputs
    )


def export_onnx(serving: ServingModel, path: Path, max_batch_size: int) -> Path:
    """Write `path`: inputs and outputs named as the Triton config names them, batch dynamic."""
    batch = torch.export.Dim("batch", min=1, max=max(max_batch_size, 2))
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # exporter chatter about decompositions and dynamism
        program = torch.onnx.export(
            serving.module.eval(),
            example_inputs(serving, batch_size=2),
            input_names=[spec.name for spec in serving.inputs],
            output_names=[spec.name for spec in serving.outputs],
            opset_version=OPSET,
            dynamo=True,
            dynamic_shapes=tuple({0: batch} for _ in serving.inputs),
            custom_translation_table={torch.ops.aten.sort.stable: aten_sort_stable},
            optimize=True,
            verbose=False,
        )
    model = program.model_proto
    model.ir_version = IR_VERSION
    onnx.checker.check_model(model, full_check=True)
    onnx.save_model(model, str(path))
    return path
