"""The pretraining stage (ISM segmentation, MAE on real faces, SIRM rebuild): masks per row,
the Dice term, and one step on the tiny variant that writes a loadable checkpoint."""

import dataclasses
from pathlib import Path

import pytest
import torch

from dfrec.checkpoint import load_checkpoint, save_checkpoint
from dfrec.data.align import template_landmarks
from dfrec.models.dfrec import DFREC
from dfrec.registry import create_config
from dfrec.training.config import MAETerms, TrainConfig
from dfrec.training.loop import train
from dfrec.training.pretrain import (
    Pretraining,
    gradient_loss,
    lovasz_mask_loss,
    pretraining_masks,
    soft_dice_loss,
)

PRETRAINING_TERMS = {"mask", "dice", "real_fake", "mae_patch", "source_rebuild", "total"}


def test_even_rows_hide_the_face_odd_rows_mask_at_random():
    region = torch.ones(4, 1, 8, 8)
    masks = pretraining_masks(region)
    assert masks[0::2].eq(1).all() and masks[1::2].eq(0).all()


def test_soft_dice_is_low_for_the_true_mask_and_high_for_its_complement():
    true = torch.zeros(2, 1, 8, 8)
    true[..., :4, :] = 1.0
    right = soft_dice_loss((true * 2 - 1) * 20, true)
    wrong = soft_dice_loss((1 - true * 2) * 20, true)
    assert right < 0.01 and wrong > 0.9


def test_lovasz_term_pays_only_for_pixels_on_the_wrong_side_of_the_cut():
    """A feathered true mask (0.3 outside, 0.7 inside the top half): logits on the right side
    of the 0.5 cut cost nothing however soft the truth is; one wrong row costs."""
    true = torch.full((2, 1, 8, 8), 0.3)
    true[..., :4, :] = 0.7
    right = (true > 0.5).float() * 20 - 10
    wrong_row = right.clone()
    wrong_row[..., 4, :] = 10.0
    assert lovasz_mask_loss(right, true) == 0
    assert lovasz_mask_loss(wrong_row, true) > 1.0


def template_batch(size: int, rows: int) -> torch.Tensor:
    """The template's 68 landmarks for every row: (rows, 68, 2)."""
    return torch.from_numpy(template_landmarks(size)).expand(rows, -1, -1).clone()


def test_lovasz_term_joins_the_ism_terms_weighted_and_only_when_asked():
    model = DFREC(create_config("tiny"))
    size = model.config.geometry.image_size
    batch = {
        "fake": torch.rand(2, 3, size, size),
        "target": torch.rand(2, 3, size, size),
        "face_region": torch.ones(2, 1, size, size),
        "mask": torch.ones(2, 1, size, size),
        "is_fake": torch.ones(2),
    }
    assert "lovasz" not in Pretraining(model, ("ism",))(batch)
    torch.manual_seed(0)
    once = Pretraining(model, ("ism",), ism_lovasz_weight=1.0)(batch)["lovasz"]
    torch.manual_seed(0)
    twice = Pretraining(model, ("ism",), ism_lovasz_weight=2.0)(batch)["lovasz"]
    assert once > 0 and torch.allclose(twice, 2 * once)
    with pytest.raises(ValueError, match="ism_lovasz_weight"):
        TrainConfig(stage="full", ism_lovasz_weight=1.0)


def test_only_the_named_networks_learn_and_run():
    model = DFREC(create_config("tiny"))
    size = model.config.geometry.image_size
    image = torch.rand(2, 3, size, size)
    batch = {
        "fake": image,
        "target": image,
        "face_region": torch.ones(2, 1, size, size),
        "mask": torch.ones(2, 1, size, size),
        "is_fake": torch.ones(2),
        "landmarks": template_batch(size, 2),
    }
    terms = Pretraining(model, ("tirm",))(batch)
    assert set(terms) == {"mae_patch", "total"}
    terms["total"].backward()
    assert all(parameter.grad is None for parameter in model.ism.parameters())
    assert all(not parameter.requires_grad for parameter in model.sirm.parameters())
    assert any(parameter.grad is not None for parameter in model.tirm.parameters())


def real_faces_batch(model: DFREC, rows: int) -> dict[str, torch.Tensor]:
    """Random "real faces" (fake = target) with a square face region in the middle."""
    size = model.config.geometry.image_size
    region = torch.zeros(rows, 1, size, size)
    region[..., size // 4 : 3 * size // 4, size // 4 : 3 * size // 4] = 1.0
    faces = torch.rand(rows, 3, size, size)
    return {
        "fake": faces,
        "target": faces,
        "face_region": region,
        "landmarks": template_batch(size, rows),
    }


def test_the_mae_identity_term_reaches_only_the_mae_through_the_hidden_faces():
    """With a weight, the MAE gets FaceNet's identity term on its face-region rows; FaceNet
    itself stays frozen, and a zero weight loads no FaceNet."""
    torch.manual_seed(4)
    model = DFREC(create_config("tiny"))
    batch = real_faces_batch(model, 4)
    assert Pretraining(model, ("tirm",)).facenet is None
    pretraining = Pretraining(model, ("tirm",), MAETerms(identity_weight=0.5))
    terms = pretraining(batch)
    assert set(terms) == {"mae_patch", "mae_identity", "total"}
    assert terms["mae_identity"] > 0
    torch.testing.assert_close(terms["total"], terms["mae_patch"] + terms["mae_identity"])
    terms["mae_identity"].backward()
    assert any(parameter.grad is not None for parameter in model.tirm.parameters())
    assert all(parameter.grad is None for parameter in pretraining.facenet.parameters())
    shrunk = Pretraining(model, ("tirm",), MAETerms(0.5, identity_downscale=2)).forward(batch)
    assert shrunk["mae_identity"] > 0 and shrunk["mae_identity"] != terms["mae_identity"]
    with pytest.raises(ValueError, match="non-negative pretraining weight"):
        TrainConfig(stage="full", mae_identity_weight=1.0)
    with pytest.raises(ValueError, match="factor of at least 1"):
        TrainConfig(stage="pretrain", mae_identity_downscale=0)


def test_the_gradient_term_costs_a_seam_the_true_face_does_not_have():
    """Equal faces cost nothing; a step in colour along a patch border that the true face
    lacks costs; the term reaches the MAE when weighted, and is refused outside pretraining."""
    true = torch.linspace(0, 1, 32).repeat(1, 3, 32, 1)  # a smooth horizontal ramp
    seamed = true.clone()
    seamed[..., 16:] += 0.2
    assert gradient_loss(true, true) == 0
    assert gradient_loss(seamed, true) > 0
    model = DFREC(create_config("tiny"))
    terms = Pretraining(model, ("tirm",), MAETerms(gradient_weight=1.0))(real_faces_batch(model, 2))
    assert set(terms) == {"mae_patch", "mae_gradient", "total"} and terms["mae_gradient"] > 0
    with pytest.raises(ValueError, match="mae_gradient_weight is a non-negative"):
        TrainConfig(stage="full", mae_gradient_weight=1.0)


def test_the_networks_are_checked():
    with pytest.raises(ValueError, match="non-empty subset"):
        TrainConfig(stage="pretrain", networks=("tirm", "gan"))
    with pytest.raises(ValueError, match="full stage trains every network"):
        TrainConfig(stage="full", networks=("tirm",))


def test_the_stage_is_checked():
    with pytest.raises(ValueError, match="stage must be one of"):
        TrainConfig(stage="warmup")


@pytest.mark.data
@pytest.mark.slow
def test_one_pretraining_step_on_tiny_then_a_full_stage_starts_from_it(
    smallest_run: dict, tmp_path: Path
) -> None:
    pretrained = train(TrainConfig(variant="tiny", stage="pretrain", **smallest_run))
    model, metadata = load_checkpoint(pretrained)
    assert metadata["step"] == 1 and metadata["train_config"]["stage"] == "pretrain"
    assert all(torch.isfinite(parameter).all() for parameter in model.parameters())
    state = torch.load(tmp_path / "run" / "train_state.pt", weights_only=False)
    assert set(state["history"][0]) == PRETRAINING_TERMS | {"step"}

    full = TrainConfig(variant="tiny", **smallest_run | {"steps": 2}, init_from=pretrained)
    full = dataclasses.replace(full, out_dir=tmp_path / "full")
    _, metadata = load_checkpoint(train(full))
    assert metadata["step"] == 2 and metadata["train_config"]["stage"] == "full"


@pytest.mark.data
@pytest.mark.slow
def test_pretraining_the_mae_silences_f_t_columns_loaded_from_a_checkpoint(
    smallest_run: dict, tmp_path: Path
) -> None:
    """Columns that pretraining cannot train (f_t is blank) are zeroed after fine-tuning loads
    them, so a checkpoint's random ones do not reach inference."""
    start_model = DFREC(create_config("tiny"))
    with torch.no_grad():
        start_model.tirm.fusion_embed.weight.normal_()
    start = save_checkpoint(start_model, tmp_path / "start.pt", {"step": 0})
    config = TrainConfig(
        variant="tiny", stage="pretrain", networks=("tirm",), init_from=start, **smallest_run
    )
    model, _ = load_checkpoint(train(config))
    width = model.config.tirm.embed_dim
    assert model.tirm.fusion_embed.weight[:, width:].eq(0).all()
    assert model.tirm.fusion_embed.weight[:, :width].ne(0).any()
