"""DRN baseline: shapes and gradients, the six losses, strict checkpoints, a training smoke run."""

import dataclasses
from pathlib import Path

import pytest
import torch
import torch.nn.functional as F

from dfrec.baselines.drn import DRN, DRNOutput, drn_recover
from dfrec.baselines.drn_checkpoint import FORMAT, load_drn, save_drn
from dfrec.baselines.drn_config import DRNConfig, create_drn_config, drn_variant_names
from dfrec.baselines.drn_losses import DRNLoss, recognizer_projection, redundancy_loss
from dfrec.baselines.drn_training import DRNTrainConfig, train_drn
from dfrec.checkpoint import CheckpointError, init_checkpoint
from dfrec.training.runner import NonFiniteLossError, finite_values

BATCH = 2
TERMS = ("identity", "redundancy", "reconstruction", "mapping", "generation", "cycle")


@pytest.fixture(scope="module")
def config() -> DRNConfig:
    return create_drn_config("drn-tiny")


@pytest.fixture(scope="module")
def criterion(config: DRNConfig) -> DRNLoss:
    return DRNLoss(config.vector_dim)


def images(config: DRNConfig, seed: int) -> torch.Tensor:
    size = config.image_size
    return torch.rand(BATCH, 3, size, size, generator=torch.Generator().manual_seed(seed))


def test_variants_build_and_derive_sizes() -> None:
    assert {"drn-tiny", "drn-small", "drn-paper"} <= set(drn_variant_names())
    paper = create_drn_config("drn-paper")
    assert paper.image_size == 128 and paper.bottleneck_size == 16  # (512, 16, 16), Fig. 1 b
    assert create_drn_config("drn-small").image_size == 128
    with pytest.raises(KeyError, match="drn-small"):
        create_drn_config("drn-huge")
    with pytest.raises(ValueError, match="try 64"):
        DRNConfig("odd", 70, (8, 16, 32, 32), 64)


def test_forward_backward_finite(config: DRNConfig, criterion: DRNLoss) -> None:
    torch.manual_seed(0)
    model = DRN(config)
    original, fake = images(config, 0), images(config, 1)
    output = model(original, fake)
    size = config.image_size
    for image in (output.reconstructed, output.traced):
        assert image.shape == (BATCH, 3, size, size)
        assert image.min() >= 0 and image.max() <= 1
    for vector in output[2:]:
        assert vector.shape == (BATCH, config.vector_dim)
    terms = criterion(output, original)
    assert set(terms) == {*TERMS, "total"}
    terms["total"].backward()
    for name, parameter in model.named_parameters():
        assert parameter.grad is not None and torch.isfinite(parameter.grad).all(), name
    assert all(torch.isfinite(value) for value in terms.values())


def test_recover_is_the_traced_face(config: DRNConfig) -> None:
    model = DRN(config).eval()
    fake = images(config, 2)
    recovered = drn_recover(model, fake)
    with torch.no_grad():
        traced = model.decoder(
            model.identity_encoder(fake).maps, model.attribute_encoder(fake).maps
        )
    assert torch.equal(recovered, traced) and not recovered.requires_grad
    with pytest.raises(ValueError, match="expected images"):
        drn_recover(model, torch.rand(1, 3, 32, 32))


def test_projection_is_orthonormal_or_identity() -> None:
    projection = recognizer_projection(64)
    assert projection.shape == (512, 64)
    assert torch.allclose(projection.T @ projection, torch.eye(64), atol=1e-5)
    assert torch.equal(recognizer_projection(512), torch.eye(512))
    assert torch.equal(projection, recognizer_projection(64))  # fixed, not random per call
    with pytest.raises(ValueError, match="exceeds"):
        recognizer_projection(1024)


def test_redundancy_zero_for_orthogonal_one_for_identical() -> None:
    identity = torch.tensor([[1.0, 0.0, 0.0], [0.0, 2.0, 0.0]])
    attribute = torch.tensor([[0.0, 3.0, 0.0], [0.0, 0.0, -1.0]])
    assert redundancy_loss(identity, attribute).item() == pytest.approx(0.0, abs=1e-7)
    assert redundancy_loss(identity, identity).item() == pytest.approx(1.0)
    assert redundancy_loss(identity, -identity).item() == pytest.approx(1.0)


def ideal_output(criterion: DRNLoss, original: torch.Tensor) -> DRNOutput:
    """What a perfect DRN would return: every term is zero."""
    identity = criterion.recognizer_identity(original)
    random = torch.randn(identity.shape, generator=torch.Generator().manual_seed(5))
    attribute = (
        random
        - (random * identity).sum(1, keepdim=True) / identity.pow(2).sum(1, keepdim=True) * identity
    )  # orthogonal to identity
    return DRNOutput(original, original, identity, identity, identity, attribute, attribute)


def test_losses_zero_for_identical_inputs(config: DRNConfig, criterion: DRNLoss) -> None:
    original = images(config, 3)
    terms = criterion(ideal_output(criterion, original), original)
    for name, value in terms.items():
        assert value.item() == pytest.approx(0.0, abs=1e-6), name


def test_losses_positive_with_finite_gradients(config: DRNConfig, criterion: DRNLoss) -> None:
    original = images(config, 4)
    ideal = ideal_output(criterion, original)
    noise = torch.Generator().manual_seed(6)
    perturbed = DRNOutput(
        *(
            (value + 0.1 * torch.randn(value.shape, generator=noise)).requires_grad_(True)
            for value in ideal
        )
    )
    terms = criterion(perturbed, original)
    terms["total"].backward()
    for name in TERMS:
        assert terms[name].item() > 0, name
    for field, leaf in zip(DRNOutput._fields, perturbed, strict=True):
        assert torch.isfinite(leaf.grad).all() and leaf.grad.abs().sum() > 0, field
    expected = sum(terms[name] for name in TERMS) + 4 * terms["cycle"]
    assert terms["total"].item() == pytest.approx(expected.item())


def test_non_finite_terms_stop_training() -> None:
    assert finite_values({"total": torch.tensor(1.5)}, step=3) == {"total": 1.5}
    with pytest.raises(NonFiniteLossError, match="step 3"):
        finite_values({"total": torch.tensor(float("nan"))}, step=3)


@pytest.fixture(scope="module")
def tiny_drn(config: DRNConfig, tmp_path_factory: pytest.TempPathFactory) -> Path:
    torch.manual_seed(7)
    path = tmp_path_factory.mktemp("drn") / "drn-tiny.pt"
    return save_drn(DRN(config), path, {"trained": False})


def test_checkpoint_round_trip(config: DRNConfig, tiny_drn: Path, tmp_path: Path) -> None:
    model, metadata = load_drn(tiny_drn)
    assert metadata == {"trained": False} and model.config == config and not model.training
    fake = images(config, 8)
    again, _ = load_drn(save_drn(model, tmp_path / "again.pt"))
    assert torch.equal(drn_recover(model, fake), drn_recover(again.eval(), fake))


def edited(source: Path, target: Path, edit) -> Path:
    payload = torch.load(source, map_location="cpu", weights_only=True)
    edit(payload)
    torch.save(payload, target)
    return target


def widen_first_conv(payload: dict) -> None:
    key = "identity_encoder.levels.0.0.weight"
    payload["state_dict"][key] = F.pad(payload["state_dict"][key], (0, 0, 0, 0, 0, 1))


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda p: p.update(format="drn-checkpoint/0"), "has format"),
        (lambda p: p.pop("state_dict"), "lacks state_dict"),
        (lambda p: p.update(variant="drn-small"), "says variant"),
        (lambda p: p["config"].update(vector_dim=32), "does not match"),
        (lambda p: p["state_dict"].pop("decoder.fuse.0.weight"), "does not match"),
        (widen_first_conv, "does not match"),
        (lambda p: p["config"].pop("channels"), "invalid config"),
    ],
)
def test_bad_checkpoint_says_what_is_wrong(tiny_drn: Path, tmp_path: Path, edit, message) -> None:
    with pytest.raises(CheckpointError, match=message):
        load_drn(edited(tiny_drn, tmp_path / "bad.pt", edit))


def test_missing_unreadable_or_dfrec_checkpoint(tmp_path: Path) -> None:
    with pytest.raises(CheckpointError, match="does not exist"):
        load_drn(tmp_path / "absent.pt")
    (tmp_path / "notes.pt").write_text("not a checkpoint")
    with pytest.raises(CheckpointError, match="not a readable"):
        load_drn(tmp_path / "notes.pt")
    dfrec_checkpoint = init_checkpoint("tiny", tmp_path / "dfrec-tiny.pt")
    with pytest.raises(CheckpointError, match=f"expected {FORMAT!r}"):
        load_drn(dfrec_checkpoint)


@pytest.mark.data
@pytest.mark.slow
def test_one_step_training_smoke_and_resume(smallest_run: dict, tmp_path: Path) -> None:
    config = DRNTrainConfig(variant="drn-tiny", **smallest_run)
    checkpoint = train_drn(config)
    assert checkpoint == tmp_path / "run" / "drn-tiny.pt"
    for name in ("train_state.pt", "split.json", "loss_curves.png", "samples/step_000001.png"):
        assert (tmp_path / "run" / name).is_file(), name
    _, metadata = load_drn(checkpoint)
    assert metadata["step"] == 1 and metadata["train_config"]["betas"] == (0.5, 0.999)

    resumed = dataclasses.replace(config, steps=2)
    _, metadata = load_drn(train_drn(resumed))
    assert metadata["step"] == 2
    state = torch.load(tmp_path / "run" / "train_state.pt", weights_only=False)
    assert [record["step"] for record in state["history"]] == [1, 2]
