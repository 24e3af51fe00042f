"""The GPU repository (ONNX for onnxruntime, TensorRT configs) answers like the in-process model.

The files Triton's onnxruntime backend would load are run here by onnxruntime on the CPU and
chained as the ensemble chains them. Tolerance: 1e-4 absolute on every output (the same as the
CPU Triton parity test); the stable sort of Algorithm 1 must match torch exactly.
"""

from pathlib import Path

import numpy as np
import pytest
import torch
from parity import assert_served_matches_pipeline, moved_landmarks, onnx_session
from torch import nn

from dfrec.checkpoint import init_checkpoint, load_checkpoint
from dfrec.data.align import crop_landmarks_68
from dfrec.export.onnx_export import OPSET
from dfrec.export.onnx_sort import aten_sort_stable
from dfrec.export.repository import export_repository
from dfrec.export.tensorrt_shapes import PLANS_FILE
from dfrec.export.wrappers import serving_models
from dfrec.noise import batch_masking_noise
from dfrec.pipeline import Recoverer

TOLERANCE = 1e-4
NETWORKS = ("ism", "sirm", "tirm")
SHIPPED = Path(__file__).resolve().parents[1] / "weights" / "dfrec-small.pt"


class StableArgsort(nn.Module):
    def __init__(self, descending: bool) -> None:
        super().__init__()
        self.descending = descending

    def forward(self, values: torch.Tensor) -> torch.Tensor:
        return torch.argsort(values, dim=1, descending=self.descending, stable=True)


@pytest.mark.parametrize("descending", [True, False])
def test_stable_sort_translation_matches_torch_on_ties(tmp_path: Path, descending: bool) -> None:
    generator = torch.Generator().manual_seed(3)
    example = torch.rand((2, 16), generator=generator)
    path = tmp_path / "argsort.onnx"
    torch.onnx.export(
        StableArgsort(descending).eval(),
        (example,),
        str(path),
        opset_version=OPSET,
        dynamo=True,
        dynamic_shapes=({0: torch.export.Dim("batch", min=1, max=64)},),
        custom_translation_table={torch.ops.aten.sort.stable: aten_sort_stable},
    )
    # Patch weights as Algorithm 1 sees them: many exact ties (1.0 inside the face, 0.5 on
    # edges), the rest small noise; ties must resolve by index as torch's stable sort does.
    levels = torch.tensor([0.0, 0.5, 1.0])
    values = levels[torch.randint(0, 3, (32, 16), generator=generator)]
    values = torch.where(values == 0, torch.rand((32, 16), generator=generator) * 0.1, values)
    (indices,) = onnx_session(path).run(None, {"values": values.numpy()})
    expected = torch.argsort(values, dim=1, descending=descending, stable=True)
    assert np.array_equal(indices, expected.numpy())


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return init_checkpoint("tiny", tmp_path_factory.mktemp("weights") / "tiny.pt", seed=7)


@pytest.fixture(scope="module")
def repositories(checkpoint: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("repositories")
    return {
        target: export_repository(checkpoint, root / target, target=target, max_batch_size=4)
        for target in ("cpu", "gpu")
    }


def run_chain(repository: Path, images: np.ndarray, num_patches: int) -> dict[str, np.ndarray]:
    """ism -> sirm -> tirm as the `dfrec` ensemble wires them, each file run by onnxruntime."""
    ism, sirm, tirm = (onnx_session(repository / name / "1" / "model.onnx") for name in NETWORKS)
    noise = batch_masking_noise(images, num_patches)
    mask, fake_probability = ism.run(None, {"image__0": images})
    source, identity = sirm.run(None, {"image__0": images, "mask__1": mask})
    feeds = {
        "image__0": images,
        "mask__1": mask,
        "target_identity__2": identity,
        "mask_noise__3": noise,
    }
    if "landmarks__4" in {tensor.name for tensor in tirm.get_inputs()}:
        feeds["landmarks__4"] = crop_landmarks_68(images)  # as the worker sends them
    (target,) = tirm.run(None, feeds)
    return {"mask": mask, "fake_probability": fake_probability, "source": source, "target": target}


def assert_chain_matches_pipeline(repository: Path, checkpoint: Path, images: np.ndarray) -> None:
    assert_served_matches_pipeline(
        lambda batch, patches: run_chain(repository, batch, patches), checkpoint, images, TOLERANCE
    )


def test_onnx_chain_matches_in_process_pipeline(repositories, checkpoint: Path) -> None:
    size = Recoverer.from_checkpoint(checkpoint).geometry.image_size
    for batch in (1, 3):  # the batch dimension is dynamic
        images = np.random.default_rng(batch).random((batch, 3, size, size), dtype=np.float32)
        assert_chain_matches_pipeline(repositories["gpu"], checkpoint, images)


def test_tirm_masks_the_same_patches_when_weights_tie(repositories, checkpoint: Path) -> None:
    """A hard mask makes most patch means exactly 1.0 or 0.0: the tie order decides which
    patches are masked, and a different choice would change whole patches of the target."""
    model, _ = load_checkpoint(checkpoint)
    tirm = next(serving for serving in serving_models(model) if serving.name == "tirm")
    geometry = model.config.geometry
    size = geometry.image_size
    generator = torch.Generator().manual_seed(2)
    image = torch.rand((2, 3, size, size), generator=generator)
    mask = torch.zeros((2, 1, size, size))
    mask[:, :, size // 8 : size - size // 8, size // 4 : size - size // 4] = 1.0
    identity = torch.rand((2, *tirm.inputs[2].dims), generator=generator)
    noise = torch.from_numpy(batch_masking_noise(image.numpy(), geometry.num_patches))
    inputs = [image, mask, identity, noise]
    if model.config.tirm.geometry_prior:  # drawn on moved landmarks: the warp is exported too
        moved = [moved_landmarks(size, phase) for phase in range(2)]
        inputs.append(torch.from_numpy(np.stack(moved)))
    with torch.inference_mode():
        expected = tirm.module(*inputs)
    names = [spec.name for spec in tirm.inputs]
    arrays = [tensor.numpy() for tensor in inputs]
    (served,) = onnx_session(repositories["gpu"] / "tirm" / "1" / "model.onnx").run(
        None, dict(zip(names, arrays, strict=True))
    )
    np.testing.assert_allclose(served, expected.numpy(), atol=TOLERANCE)


def config_text(repository: Path, network: str, name: str = "config.pbtxt") -> str:
    return (repository / network / name).read_text()


def tensor_lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if "data_type: TYPE_FP32 dims" in line]


@pytest.mark.parametrize("network", NETWORKS)
def test_gpu_repository_names_stock_runtimes_with_same_tensors(repositories, network) -> None:
    cpu = config_text(repositories["cpu"], network)
    onnx_config = config_text(repositories["gpu"], network)
    tensorrt = config_text(repositories["gpu"], network, "configs/tensorrt.pbtxt")
    assert 'platform: "onnxruntime_onnx"' in onnx_config and "KIND_GPU" in onnx_config
    assert 'platform: "tensorrt_plan"' in tensorrt and "KIND_GPU" in tensorrt
    assert tensor_lines(onnx_config) == tensor_lines(tensorrt) == tensor_lines(cpu) != []
    version_dir = repositories["gpu"] / network / "1"
    assert sorted(path.name for path in version_dir.iterdir()) == ["model.onnx"]
    assert config_text(repositories["gpu"], "dfrec") == config_text(repositories["cpu"], "dfrec")


def test_tensorrt_shapes_cover_every_input(repositories) -> None:
    lines = (repositories["gpu"] / PLANS_FILE).read_text().splitlines()
    assert [line.split()[0] for line in lines] == list(NETWORKS)
    tirm = dict(zip(("name", "min", "opt", "max"), lines[2].split(), strict=True))
    assert tirm["min"].startswith("image__0:1x3x") and tirm["max"].startswith("image__0:4x3x")
    assert tirm["max"].count(":") == 5  # image, mask, target_identity, mask_noise, landmarks
    assert not (repositories["cpu"] / PLANS_FILE).exists()


@pytest.mark.slow
@pytest.mark.skipif(not SHIPPED.is_file(), reason="weights/dfrec-small.pt not present")
def test_shipped_weights_export_with_parity(tmp_path: Path) -> None:
    repository = export_repository(SHIPPED, tmp_path / "gpu", target="gpu")
    size = Recoverer.from_checkpoint(SHIPPED).geometry.image_size
    images = np.random.default_rng(0).random((2, 3, size, size), dtype=np.float32)
    assert_chain_matches_pipeline(repository, SHIPPED, images)
