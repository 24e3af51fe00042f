"""The one comparison every serving path is held to: its four outputs against the in-process
pipeline on the same images."""

from collections.abc import Callable
from pathlib import Path

import numpy as np
import onnxruntime

from dfrec.data.align import template_landmarks
from dfrec.pipeline import Recoverer, recover

Served = dict[str, np.ndarray]


def assert_served_matches_pipeline(
    serve: Callable[[np.ndarray, int], Served],
    checkpoint: Path,
    images: np.ndarray,
    tolerance: float,
) -> None:
    """serve(images (B, 3, S, S), num_patches) -> {mask, fake_probability, source, target};
    each must have the pipeline's shape and match it within tolerance."""
    recoverer = Recoverer.from_checkpoint(checkpoint)
    expected = recover(recoverer, images)
    served = serve(images, recoverer.geometry.num_patches)
    pairs = {
        "mask": expected.mask,
        "fake_probability": expected.fake_probability.unsqueeze(1),
        "source": expected.source_face,
        "target": expected.target_face,
    }
    for name, tensor in pairs.items():
        assert served[name].shape == tuple(tensor.shape), name
        np.testing.assert_allclose(served[name], tensor.numpy(), atol=tolerance, err_msg=name)


def moved_landmarks(image_size: int, phase: float) -> np.ndarray:
    """The 68-point template moved by a smooth field of up to 3 px, as faces differ
    (neighbouring points move alike, no triangle folds): (68, 2) float32 crop pixels."""
    points = template_landmarks(image_size)
    angle = 2 * np.pi * points / image_size + phase
    field = np.stack([np.sin(angle[:, 1]), np.cos(angle[:, 0])], -1)
    return (points + 3 * field).astype(np.float32)


def onnx_session(path: Path) -> onnxruntime.InferenceSession:
    """An exported ONNX file as Triton's onnxruntime backend would run it, on one CPU thread."""
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = 1
    return onnxruntime.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
