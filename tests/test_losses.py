"""DFREC losses: zero for identical inputs, positive otherwise, finite gradients."""

import pytest
import torch

from dfrec.losses import (
    DFRECLoss,
    LossConfig,
    identity_loss,
    masked_patch_loss,
    perceptual_loss,
    perceptual_losses,
)
from dfrec.pretrained.facenet import load_facenet
from dfrec.pretrained.vgg19 import load_vgg19

SIZE, PATCHES, PATCH_DIM = 64, 16, 16 * 16 * 3


@pytest.fixture(scope="module")
def criterion():
    return DFRECLoss(LossConfig())


def images(seed: int) -> torch.Tensor:
    return torch.rand(2, 3, SIZE, SIZE, generator=torch.Generator().manual_seed(seed))


@pytest.mark.parametrize("loss", [identity_loss, perceptual_loss])
def test_feature_losses_zero_for_identical_positive_otherwise(loss):
    network = load_facenet() if loss is identity_loss else load_vgg19()
    true = images(0)
    assert loss(network, true.clone(), true).item() == pytest.approx(0.0, abs=1e-6)
    recovered = images(1).requires_grad_(True)
    value = loss(network, recovered, true)
    value.backward()
    assert value.item() > 0
    assert torch.isfinite(recovered.grad).all() and recovered.grad.abs().sum() > 0


def test_perceptual_losses_in_one_batch_equal_each_pair_alone():
    vgg = load_vgg19()
    recovered, true = [images(2), images(3)], [images(4), images(5)]
    batched = perceptual_losses(vgg, recovered, true)
    alone = [perceptual_loss(vgg, r, t) for r, t in zip(recovered, true, strict=True)]
    for together, single in zip(batched, alone, strict=True):
        assert together.item() == pytest.approx(single.item(), rel=1e-4)
    assert batched[0].item() != pytest.approx(batched[1].item(), rel=1e-3)


def test_patch_loss_counts_only_masked_patches():
    true = torch.rand(2, PATCHES, PATCH_DIM)
    predicted = true.clone()
    masked = torch.zeros(2, PATCHES, dtype=torch.bool)
    masked[:, :8] = True
    predicted[~masked] += 1.0  # errors on visible patches are ignored
    assert masked_patch_loss(predicted, true, masked).item() == 0.0
    predicted = predicted.requires_grad_(True)
    shifted = predicted + masked[..., None] * 0.5
    assert masked_patch_loss(shifted, true, masked).item() == pytest.approx(0.25)
    masked_patch_loss(shifted, true, masked).backward()
    assert torch.isfinite(predicted.grad).all()
    nothing = torch.zeros(2, PATCHES, dtype=torch.bool)
    assert masked_patch_loss(predicted, true, nothing).item() == 0.0


def loss_inputs(recovered_seed: int | None) -> dict:
    true_source, true_target = images(10), images(11)
    true_patches = torch.rand(2, PATCHES, PATCH_DIM, generator=torch.Generator().manual_seed(12))
    true_mask = (torch.rand(2, 1, SIZE, SIZE) > 0.5).float()
    same = recovered_seed is None
    return {
        "recovered_source": true_source.clone() if same else images(recovered_seed),
        "true_source": true_source,
        "recovered_target": true_target.clone() if same else images(recovered_seed + 1),
        "true_target": true_target,
        "predicted_patches": true_patches.clone() if same else torch.rand(2, PATCHES, PATCH_DIM),
        "true_patches": true_patches,
        "masked": torch.rand(2, PATCHES) > 0.5,
        "mask_logits": (true_mask * 2 - 1) * 30.0 if same else torch.randn(2, 1, SIZE, SIZE),
        "true_mask": true_mask,
        "fake_logit": torch.tensor([30.0, -30.0]) if same else torch.randn(2),
        "is_fake": torch.tensor([True, False]),
    }


def test_dfrec_loss_terms_zero_for_perfect_outputs(criterion):
    terms = criterion(**loss_inputs(None))
    assert set(terms) == {
        "identity_source",
        "identity_target",
        "perceptual_source",
        "perceptual_target",
        "patch",
        "mask",
        "real_fake",
        "total",
    }
    for name, value in terms.items():
        assert value.item() == pytest.approx(0.0, abs=1e-6), name


def test_dfrec_loss_total_is_weighted_sum_and_has_gradients(criterion):
    inputs = loss_inputs(recovered_seed=20)
    for name in ("recovered_source", "recovered_target", "predicted_patches", "mask_logits"):
        inputs[name].requires_grad_(True)
    terms = criterion(**inputs)
    c = criterion.config
    expected = (
        terms["identity_source"]
        + c.target_identity_weight * terms["identity_target"]
        + c.perceptual_weight
        * (terms["perceptual_source"] + c.target_perceptual_weight * terms["perceptual_target"])
        + c.patch_weight * terms["patch"]
        + c.mask_weight * terms["mask"]
        + c.real_fake_weight * terms["real_fake"]
    )
    assert terms["total"].item() == pytest.approx(expected.item(), rel=1e-6)
    terms["total"].backward()
    for name in ("recovered_source", "recovered_target", "predicted_patches", "mask_logits"):
        gradient = inputs[name].grad
        assert gradient is not None and torch.isfinite(gradient).all(), name


def test_optional_terms_need_both_halves(criterion):
    inputs = loss_inputs(None)
    del inputs["true_mask"]
    with pytest.raises(ValueError, match="mask"):
        criterion(**inputs)
    del inputs["mask_logits"], inputs["fake_logit"], inputs["is_fake"]
    assert set(criterion(**inputs)) == {
        "identity_source",
        "identity_target",
        "perceptual_source",
        "perceptual_target",
        "patch",
        "total",
    }
