"""TIRMConfig.mask_scale: the TIRM works from a share of m_s, so the recovered target keeps the
rest of the fake's pixels even where the ISM is sure."""

import dataclasses

import numpy as np
import pytest
import torch
from parity import served_tirm

from dfrec.config import DFRECConfig
from dfrec.data.align import template_landmarks
from dfrec.models.dfrec import DFREC
from dfrec.models.patches import unpatchify
from dfrec.models.tirm import TIRM
from dfrec.registry import create_config


def scaled_config(scale: float, name: str = "tiny") -> DFRECConfig:
    """A registered variant with its TIRM's mask_scale set, composite "mask", no deblocking
    (so that the composite alone is what the test reads)."""
    config = create_config(name)
    tirm = dataclasses.replace(config.tirm, mask_scale=scale, composite="mask", deblock_width=0)
    return dataclasses.replace(config, tirm=tirm)


def tirm_inputs(config: DFRECConfig, seed: int = 0) -> tuple[torch.Tensor, ...]:
    """Two random faces, a random m_s, blank f_t and Algorithm 1's noise."""
    geometry, generator = config.geometry, torch.Generator().manual_seed(seed)
    size, grid = geometry.image_size, geometry.grid_size
    image = torch.rand((2, 3, size, size), generator=generator)
    mask = torch.rand((2, 1, size, size), generator=generator)
    identity = torch.zeros(2, config.sirm.target_identity_channels, grid, grid)
    noise = torch.rand((2, geometry.num_patches), generator=generator) * 0.1
    return image, mask, identity, noise


def test_a_scaled_tirm_is_the_plain_tirm_fed_the_scaled_mask():
    torch.manual_seed(0)
    scaled, plain = TIRM(scaled_config(0.75)).eval(), TIRM(scaled_config(1.0)).eval()
    plain.load_state_dict(scaled.state_dict())
    image, mask, identity, noise = tirm_inputs(scaled_config(0.75))
    with torch.no_grad():
        kept = scaled(image, mask, identity, noise)
        fed = plain(image, 0.75 * mask, identity, noise)
        unscaled = plain(image, mask, identity, noise)
    assert torch.equal(kept.target, fed.target)
    assert not torch.equal(kept.target, unscaled.target)


def test_where_the_ism_is_sure_a_quarter_of_the_fake_stays():
    """m_s = 1 everywhere, scale 0.75: each masked patch's pixel is 0.75 prediction + 0.25 input;
    the kept patches stay the input exactly."""
    config = scaled_config(0.75)
    tirm = TIRM(config).eval()
    image, mask, identity, noise = tirm_inputs(config)
    with torch.no_grad():
        output = tirm(image, torch.ones_like(mask), identity, noise)
    geometry = config.geometry
    predicted = unpatchify(output.predicted_patches, geometry.patch_size, geometry.grid_size)
    masked = output.masked[..., None].expand(-1, -1, geometry.patch_pixels).float()
    masked_pixels = unpatchify(masked, geometry.patch_size, geometry.grid_size).bool()
    wanted = 0.75 * predicted + 0.25 * image
    torch.testing.assert_close(output.target[masked_pixels], wanted[masked_pixels])
    assert torch.equal(output.target[~masked_pixels], image[~masked_pixels])


@pytest.mark.parametrize("scale", [0.0, -0.5, 1.5])
def test_a_scale_outside_zero_to_one_is_refused(scale: float):
    with pytest.raises(ValueError, match="mask_scale"):
        scaled_config(scale)


def test_tiny_mirrors_small_so_the_served_chains_in_the_tests_run_it():
    assert create_config("tiny").tirm.mask_scale == create_config("small").tirm.mask_scale


def test_a_model_with_a_mask_scale_exports_to_onnx_and_answers_the_same(tmp_path):
    """The scale runs inside the TIRM's forward: the exported TIRM answers as the in-process one
    (1e-4, the export tests' tolerance)."""
    torch.manual_seed(0)
    config = create_config("tiny")
    model = DFREC(
        dataclasses.replace(config, tirm=dataclasses.replace(config.tirm, mask_scale=0.6))
    ).eval()
    size = model.config.geometry.image_size
    landmarks = torch.from_numpy(template_landmarks(size))[None].repeat(2, 1, 1)
    answers = served_tirm(model, tmp_path, landmarks)
    np.testing.assert_allclose(answers.served, answers.expected, atol=1e-4)
