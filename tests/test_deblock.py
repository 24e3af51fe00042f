"""The deblocking filter smooths patch seams only where the recovered target was changed."""

import dataclasses

import pytest
import torch

from dfrec.models.deblock import border_band, deblock
from dfrec.models.dfrec import DFREC
from dfrec.models.tirm import TIRM
from dfrec.registry import create_config

PATCH, SIZE, WIDTH = 8, 32, 2


def seamed_image() -> torch.Tensor:
    """A flat grey image with a colour step on the inner patch border at x = 16. (1, 3, S, S)"""
    image = torch.full((1, 3, SIZE, SIZE), 0.4)
    image[..., 16:] = 0.6
    return image


def test_a_seam_in_a_changed_region_is_softened_and_nothing_else_moves():
    image = seamed_image()
    band = border_band(SIZE, PATCH, WIDTH)
    changed = torch.ones(1, 1, SIZE, SIZE)
    smoothed = deblock(image, changed, band, WIDTH)
    step_before = image[..., 16] - image[..., 15]
    step_after = smoothed[..., 16] - smoothed[..., 15]
    assert (step_after.abs() < 0.5 * step_before.abs()).all()
    far_from_borders = band[0, 0] == 0
    torch.testing.assert_close(smoothed[..., far_from_borders], image[..., far_from_borders])
    row = band[0, 0, 4]  # a row between horizontal borders: only the vertical ones count
    assert row[7] == row[8] == 1 and row[0] == row[-1] == 0  # the image's edges are no seam


def test_an_unchanged_face_comes_back_bit_exact():
    image = seamed_image()
    band = border_band(SIZE, PATCH, WIDTH)
    unchanged = deblock(image, torch.zeros(1, 1, SIZE, SIZE), band, WIDTH)
    assert torch.equal(unchanged, image)
    changed_far_away = torch.zeros(1, 1, SIZE, SIZE)
    changed_far_away[..., :4, :4] = 1.0  # a change more than WIDTH from the seam at x = 16
    assert torch.equal(
        deblock(image, changed_far_away, band, WIDTH)[..., 12:, 8:], image[..., 12:, 8:]
    )


def test_the_tirm_deblocks_when_its_config_says_so():
    torch.manual_seed(0)
    config = create_config("tiny")
    assert config.tirm.deblock_width > 0
    without = dataclasses.replace(config, tirm=dataclasses.replace(config.tirm, deblock_width=0))
    plain, smoothed = DFREC(without).eval(), DFREC(config).eval()
    smoothed.load_state_dict(plain.state_dict())
    size = config.geometry.image_size
    face = torch.rand(1, 3, size, size)
    noise = torch.full((1, config.geometry.num_patches), 0.05)
    with torch.no_grad():
        before, after = plain(face, noise).target, smoothed(face, noise).target
    assert not torch.equal(before, after)
    grid = config.geometry.grid_size
    blank_identity = torch.zeros(1, config.sirm.target_identity_channels, grid, grid)
    mask_composite = dataclasses.replace(config.tirm, composite="mask")
    tirm = TIRM(dataclasses.replace(config, tirm=mask_composite)).eval()
    with torch.no_grad():  # m_s = 0: nothing changed, so nothing is smoothed either
        untouched = tirm(face, torch.zeros_like(face[:, :1]), blank_identity, noise)
    assert torch.equal(untouched.target, face)
    with pytest.raises(ValueError, match="deblock_width"):
        dataclasses.replace(config.tirm, deblock_width=-1)
