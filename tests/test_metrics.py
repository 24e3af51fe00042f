"""Evaluation metrics on known cases."""

import numpy as np
import pytest
import torch

from dfrec.metrics import acc_id, identity_similarity, psnr, roc_auc, ssim


def test_psnr_and_ssim():
    true = torch.rand(2, 3, 32, 32, generator=torch.Generator().manual_seed(0))
    assert torch.isinf(psnr(true, true)).all()
    assert ssim(true, true) == pytest.approx([1.0, 1.0])
    noisy = (true + 0.1).clamp(0, 1)
    expected = 10 * torch.log10(1 / (noisy - true).pow(2).flatten(1).mean(1))
    assert torch.allclose(psnr(noisy, true), expected)
    assert (ssim(noisy, true) < 1).all()


def test_roc_auc_with_ties_and_against_pairs():
    assert roc_auc(np.array([0.1, 0.4, 0.35, 0.8]), np.array([0, 0, 1, 1])) == 0.75
    assert roc_auc(np.array([0.5, 0.5]), np.array([0, 1])) == 0.5
    rng = np.random.default_rng(0)
    scores, labels = rng.normal(size=200), rng.integers(0, 2, size=200)
    positives, negatives = scores[labels == 1], scores[labels == 0]
    pairwise = (positives[:, None] > negatives[None, :]).mean()
    assert roc_auc(scores, labels) == pytest.approx(pairwise)
    with pytest.raises(ValueError):
        roc_auc(np.array([0.1, 0.2]), np.array([1, 1]))


def test_acc_id_threshold_rule():
    similarity = np.array([0.95, 0.91, 0.5, 0.9])
    is_fake = np.array([False, True, True, True])
    assert acc_id(similarity, is_fake) == 0.75  # 0.91 is called real; 0.9 itself is fake


def test_identity_similarity_of_an_image_with_itself():
    images = torch.rand(2, 3, 64, 64)
    assert torch.allclose(identity_similarity(images, images), torch.ones(2), atol=1e-5)
