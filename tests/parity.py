"""The one comparison every serving path is held to: its four outputs against the in-process
pipeline on the same images."""

from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

import numpy as np
import onnxruntime
import torch

from dfrec.checkpoint import save_checkpoint
from dfrec.data.align import template_landmarks
from dfrec.export.repository import export_repository
from dfrec.export.wrappers import serving_models
from dfrec.models.dfrec import DFREC
from dfrec.noise import batch_masking_noise
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


class TIRMAnswers(NamedTuple):
    """The TIRM's inputs and its recovered target (B, 3, S, S) in process and from ONNX."""

    inputs: list[torch.Tensor]
    expected: np.ndarray
    served: np.ndarray


def served_tirm(model: DFREC, workdir: Path, landmarks: torch.Tensor) -> TIRMAnswers:
    """model's TIRM exported to ONNX (GPU repository) and in process, both asked the same: two
    fixed random faces with a centred square m_s, random f_t and landmarks (2, 68, 2)."""
    checkpoint = save_checkpoint(model, workdir / "model.pt")
    repository = export_repository(
        checkpoint, workdir / "repository", target="gpu", max_batch_size=4
    )
    tirm = next(serving for serving in serving_models(model) if serving.name == "tirm")
    size = model.config.geometry.image_size
    generator = torch.Generator().manual_seed(1)
    image = torch.rand((2, 3, size, size), generator=generator)
    mask = torch.zeros((2, 1, size, size))
    mask[:, :, size // 4 : -size // 4, size // 4 : -size // 4] = 1.0
    identity = torch.rand((2, *tirm.inputs[2].dims), generator=generator)
    noise = torch.from_numpy(batch_masking_noise(image.numpy(), model.config.geometry.num_patches))
    inputs = [image, mask, identity, noise, landmarks]
    with torch.inference_mode():
        expected = tirm.module(*inputs)
    names = [spec.name for spec in tirm.inputs]
    session = onnx_session(repository / "tirm" / "1" / "model.onnx")
    (served,) = session.run(None, {n: t.numpy() for n, t in zip(names, inputs, strict=True)})
    return TIRMAnswers(inputs, expected.numpy(), served)
