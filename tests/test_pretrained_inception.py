"""The FID Inception network: loads, gives (B, 2048); the Fréchet distance behaves."""

import numpy as np
import pytest
import torch

from dfrec.metrics import fid, frechet_distance
from dfrec.pretrained.inception_fid import FEATURE_SIZE, inception_from_file, load_inception_fid
from dfrec.pretrained.package_files import PretrainedFileError


def test_features_shape():
    model = load_inception_fid()
    with torch.no_grad():
        features = model(torch.rand(2, 3, 64, 64))
    assert features.shape == (2, FEATURE_SIZE)
    assert torch.isfinite(features).all()


@pytest.mark.slow
def test_fid_of_a_set_with_itself_and_with_noise():
    generator = torch.Generator().manual_seed(0)
    images = torch.rand(4, 3, 64, 64, generator=generator)
    noise = torch.rand(4, 3, 64, 64, generator=generator)
    model = load_inception_fid()
    assert abs(fid(images, images, model)) < 1e-3
    assert fid(images, (images + noise).clamp(0, 1) * 0.5, model) > 1.0


def test_frechet_distance_of_shifted_gaussians():
    rng = np.random.default_rng(0)
    samples = rng.normal(size=(4000, 3))
    assert abs(frechet_distance(samples, samples)) < 1e-6
    shifted = samples + np.array([1.0, 2.0, 0.0])
    assert frechet_distance(samples, shifted) == pytest.approx(5.0, abs=1e-6)
    scaled = samples * 2.0  # var 1 vs 4 per dimension: 3 * (1 + 4 - 2 * 2) = 3
    assert frechet_distance(samples, scaled) == pytest.approx(3.0, rel=0.05)


def test_missing_file_fails_clearly(tmp_path):
    with pytest.raises(PretrainedFileError, match="not found"):
        inception_from_file(tmp_path / "absent.pt")
