"""The TIRM's geometry prior: the landmarks found on a crop, the landmark warp, the mirrored
landmark order, and the prior it moves."""

import dataclasses

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from parity import moved_landmarks

from dfrec.data.align import crop_landmarks_68, template_landmarks
from dfrec.data.augment import MIRRORED_68, mirror_landmarks
from dfrec.data.prepare import align_photos, list_photos
from dfrec.data.warp import piecewise_affine_warp
from dfrec.models.face_geometry import LandmarkWarp
from dfrec.models.tirm import TIRM
from dfrec.registry import create_config

SIZE = 64


def identity_grid(size: int) -> torch.Tensor:
    ramp = torch.linspace(-1, 1, size)
    ys, xs = torch.meshgrid(ramp, ramp, indexing="ij")
    return torch.stack([xs, ys], -1)


def test_template_landmarks_give_the_identity_grid():
    grid = LandmarkWarp(SIZE)(torch.from_numpy(template_landmarks(SIZE))[None])
    assert torch.allclose(grid[0], identity_grid(SIZE), atol=1e-5)


def test_grid_moves_an_image_as_the_piecewise_affine_warp_does():
    """Sampling at the grid lands the template's landmarks on the given ones, as the
    synthesizer's warp does (its grid is computed at half resolution, so in the mean)."""
    ramp = np.linspace(0, 1, SIZE, dtype=np.float32)
    image = np.stack(np.meshgrid(ramp, ramp[::-1]) + [np.outer(ramp, ramp)], -1)  # smooth
    targets = np.stack([moved_landmarks(SIZE, phase) for phase in range(3)])
    grid = LandmarkWarp(SIZE)(torch.from_numpy(targets))
    source = torch.from_numpy(image).permute(2, 0, 1)[None].expand(3, -1, -1, -1)
    moved = F.grid_sample(source, grid, align_corners=True).permute(0, 2, 3, 1).numpy()
    expected = np.stack(
        [piecewise_affine_warp(image, template_landmarks(SIZE), points) for points in targets]
    )
    assert np.abs(moved - expected).mean() < 1.5e-3
    assert np.abs(moved - image).mean() > 10 * np.abs(moved - expected).mean()  # it did move


def test_mirrored_order_is_a_left_right_swap():
    assert sorted(MIRRORED_68.tolist()) == list(range(68))
    assert np.array_equal(MIRRORED_68[MIRRORED_68], np.arange(68))  # twice = unchanged
    points = template_landmarks(SIZE)
    assert np.allclose(mirror_landmarks(mirror_landmarks(points, SIZE), SIZE), points)
    # the mean face is nearly symmetric: its mirror image has its landmarks within 2 px (the
    # aligned face's centre is half a pixel off the crop's, so a flip moves it by one pixel)
    assert np.abs(mirror_landmarks(points, SIZE) - points).max() < 2


def test_geometry_prior_moves_the_prior_and_stays_put_on_the_template():
    config = create_config("tiny")
    tirm_config = dataclasses.replace(config.tirm, pixel_prior=True, geometry_prior=True)
    config = dataclasses.replace(config, tirm=tirm_config)
    torch.manual_seed(0)
    tirm = TIRM(config).eval()
    with torch.no_grad():
        tirm.pixel_prior.normal_()
    template = torch.from_numpy(template_landmarks(SIZE))[None]
    assert torch.allclose(tirm.prior_logits(template), tirm.pixel_prior, atol=1e-4)
    assert torch.equal(tirm.prior_logits(None), tirm.pixel_prior)
    moved = torch.from_numpy(moved_landmarks(SIZE, 1))[None]
    assert not torch.allclose(tirm.prior_logits(moved), tirm.pixel_prior, atol=1e-2)


def test_crop_landmarks_fall_back_to_the_template_where_no_face_is_found():
    crops = np.full((2, 3, SIZE, SIZE), 0.5, dtype=np.float32)
    found = crop_landmarks_68(crops)
    assert found.shape == (2, 68, 2) and found.dtype == np.float32
    assert np.array_equal(found, np.stack([template_landmarks(SIZE)] * 2))


@pytest.mark.data
def test_crop_landmarks_find_the_photo_landmarks_again_on_aligned_crops(celeba_root):
    """On an aligned crop dlib finds the landmarks that alignment found on the whole photo."""
    photos = list_photos(celeba_root)[:6]
    faces = align_photos(photos, 128, progress=False)
    crops = faces.crops.transpose(0, 3, 1, 2).astype(np.float32) / 255.0
    found = crop_landmarks_68(crops)
    assert not any(np.array_equal(points, template_landmarks(128)) for points in found)
    assert np.median(np.linalg.norm(found - faces.landmarks_68, axis=-1)) < 1.5
