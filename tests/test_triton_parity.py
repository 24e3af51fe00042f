"""The `dfrec` ensemble on the real bundled Triton answers like the in-process pipeline.

The GPU repository (ONNX) is tested in test_export_onnx.py."""

import re
import urllib.request
from pathlib import Path

import numpy as np
import pytest
import torch
import tritonclient.http as triton_http
from parity import assert_served_matches_pipeline, moved_landmarks

from dfrec.checkpoint import init_checkpoint, load_checkpoint, version_label
from dfrec.data.align import crop_landmarks_68, template_landmarks
from dfrec.export.repository import export_repository
from dfrec.noise import batch_masking_noise
from dfrec.pipeline import Recoverer
from dfrec.triton.launcher import TritonServer, free_ports

pytestmark = pytest.mark.service

TOLERANCE = 1e-4


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return init_checkpoint("tiny", tmp_path_factory.mktemp("weights") / "tiny.pt", seed=7)


@pytest.fixture(scope="module")
def repository(checkpoint: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("repository")
    return export_repository(checkpoint, root, target="cpu", max_batch_size=4)


@pytest.fixture(scope="module")
def triton(repository: Path, tmp_path_factory: pytest.TempPathFactory):
    http_port, grpc_port, metrics_port = free_ports(3)
    log = tmp_path_factory.mktemp("triton") / "triton.log"
    server = TritonServer(repository, http_port, grpc_port, metrics_port, log_path=log)
    try:
        server.start()
        server.wait_ready()
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def images(checkpoint: Path) -> np.ndarray:
    size = Recoverer.from_checkpoint(checkpoint).geometry.image_size
    return np.random.default_rng(5).random((3, 3, size, size), dtype=np.float32)


def infer_ensemble(
    server: TritonServer,
    images: np.ndarray,
    num_patches: int,
    landmarks: np.ndarray | None = None,
) -> dict:
    client = triton_http.InferenceServerClient(server.http_url)
    inputs = []
    arrays = [("image", images), ("mask_noise", batch_masking_noise(images, num_patches))]
    if landmarks is not None:
        arrays.append(("landmarks", landmarks))
    for name, array in arrays:
        tensor = triton_http.InferInput(name, list(array.shape), "FP32")
        tensor.set_data_from_numpy(array)
        inputs.append(tensor)
    names = ("mask", "fake_probability", "source", "target")
    outputs = [triton_http.InferRequestedOutput(name) for name in names]
    result = client.infer("dfrec", inputs, outputs=outputs)
    return {name: result.as_numpy(name) for name in names}


def test_ensemble_matches_in_process(triton: TritonServer, checkpoint: Path, images) -> None:
    """The worker's request (landmarks found on each crop, as the in-process pipeline finds
    them) gets the pipeline's answer."""
    assert_served_matches_pipeline(
        lambda batch, patches: infer_ensemble(triton, batch, patches, crop_landmarks_68(batch)),
        checkpoint,
        images,
        TOLERANCE,
    )


def test_ensemble_draws_the_target_on_the_landmarks_it_is_sent(
    triton: TritonServer, checkpoint: Path, images
) -> None:
    model = load_checkpoint(checkpoint)[0].eval()
    geometry = model.config.geometry
    noise = batch_masking_noise(images, geometry.num_patches)
    moved = np.stack([moved_landmarks(geometry.image_size, phase) for phase in range(3)])
    template = np.broadcast_to(template_landmarks(geometry.image_size), moved.shape).copy()
    served = infer_ensemble(triton, images, geometry.num_patches, moved)["target"]
    on_template = infer_ensemble(triton, images, geometry.num_patches, template)["target"]
    with torch.inference_mode():
        expected = model(*(torch.from_numpy(a) for a in (images, noise, moved))).target
    np.testing.assert_allclose(served, expected.numpy(), atol=TOLERANCE)
    assert np.abs(served - on_template).max() > 100 * TOLERANCE  # the landmarks moved it


def test_ensemble_reports_variant_and_version(triton: TritonServer, checkpoint: Path) -> None:
    client = triton_http.InferenceServerClient(triton.http_url)
    parameters = client.get_model_config("dfrec")["parameters"]
    assert parameters["variant"]["string_value"] == "tiny"
    assert parameters["version_label"]["string_value"] == version_label(checkpoint)


def test_metrics_port_counts_successes(triton: TritonServer, checkpoint: Path, images) -> None:
    num_patches = Recoverer.from_checkpoint(checkpoint).geometry.num_patches
    infer_ensemble(triton, images[:1], num_patches, crop_landmarks_68(images[:1]))
    url = f"http://127.0.0.1:{triton.metrics_port}/metrics"
    with urllib.request.urlopen(url, timeout=10) as response:
        metrics = response.read().decode()
    counts = re.findall(
        r'^nv_inference_request_success\{model="dfrec",version="1"\} (\d+)', metrics, re.M
    )
    assert counts and int(counts[0]) >= 1
