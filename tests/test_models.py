"""Forward/backward smoke tests over every registered variant, and the config's derived sizes."""

import dataclasses

import pytest
import torch

from dfrec.config import DFRECConfig, Geometry, SIRMConfig
from dfrec.models.dfrec import DFREC
from dfrec.models.ism import ISM
from dfrec.models.patches import unpatchify
from dfrec.models.tirm import TIRM
from dfrec.registry import create_config, variant_names

SLOW_VARIANTS = {"paper"}  # 147M parameters: seconds per step on 2 cores
# smp's native EfficientNet encoder keeps the ImageNet head's conv and BN, which its forward skips.
UNUSED_PARAMETER_PREFIXES = ("ism.network.encoder._conv_head.", "ism.network.encoder._bn1.")


def variant_params() -> list:
    return [
        pytest.param(name, marks=pytest.mark.slow) if name in SLOW_VARIANTS else name
        for name in variant_names()
    ]


def forward_backward(config: DFRECConfig):
    """Batch 2 through DFREC in train mode, a loss on every output, backward."""
    torch.manual_seed(0)
    model = DFREC(config).train()
    geometry = config.geometry
    image = torch.rand(2, 3, geometry.image_size, geometry.image_size)
    noise = torch.rand(2, geometry.num_patches) * 0.1
    output = model(image, noise)
    loss = (
        output.mask_logits.mean()
        + output.fake_logit.mean()
        + output.source.mean()
        + output.target.mean()
        + output.predicted_patches.mean()
    )
    loss.backward()
    return model, output


@pytest.mark.parametrize("name", variant_params())
def test_forward_backward(name: str) -> None:
    config = create_config(name)
    model, output = forward_backward(config)
    geometry = config.geometry
    size = geometry.image_size
    assert output.mask_logits.shape == (2, 1, size, size)
    assert output.fake_logit.shape == (2,)
    assert output.source.shape == (2, 3, size, size)
    assert output.target.shape == (2, 3, size, size)
    assert output.predicted_patches.shape == (2, geometry.num_patches, geometry.patch_pixels)
    assert output.masked.shape == (2, geometry.num_patches)
    assert (output.masked.sum(dim=1) == geometry.num_masked).all()
    for tensor in output[:5]:
        assert torch.isfinite(tensor).all()
    for image in (output.mask, output.source, output.target):
        assert image.min() >= 0 and image.max() <= 1
    without_grad = [
        name
        for name, parameter in model.named_parameters()
        if parameter.grad is None and not name.startswith(UNUSED_PARAMETER_PREFIXES)
    ]
    assert without_grad == []
    for module in (model.ism, model.sirm, model.tirm):
        grads = [p.grad for p in module.parameters() if p.grad is not None]
        assert all(torch.isfinite(g).all() for g in grads)
        assert sum(g.abs().sum() for g in grads) > 0


def test_sirm_bottleneck_lands_on_patch_grid() -> None:
    config = create_config("tiny")
    geometry = config.geometry
    model = DFREC(config).eval()
    image = torch.rand(1, 3, geometry.image_size, geometry.image_size)
    with torch.no_grad():
        target_identity = model.sirm(image).target_identity
    grid = geometry.grid_size
    assert target_identity.shape == (1, config.sirm.target_identity_channels, grid, grid)


@pytest.mark.parametrize(
    ("image_size", "patch_size", "message"),
    [
        (100, 16, "not a multiple of patch_size 16; try 96"),
        (8, 16, "not a multiple of patch_size 16; try 16"),
        (96, 12, "power of two, got 12; try 8"),
    ],
)
def test_bad_geometry_names_valid_size(image_size: int, patch_size: int, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Geometry(image_size=image_size, patch_size=patch_size)


def test_sirm_levels_must_match_patch_size() -> None:
    paper = create_config("paper")
    with pytest.raises(ValueError, match="give SIRM 5 channel levels"):
        DFRECConfig(
            variant="broken",
            geometry=paper.geometry,
            ism=paper.ism,
            sirm=SIRMConfig(channels=(8, 16, 32)),
            tirm=paper.tirm,
        )


def test_unknown_variant_lists_valid_ones() -> None:
    with pytest.raises(KeyError) as error:
        create_config("huge")
    for name in variant_names():
        assert name in str(error.value)


def test_paper_derived_numbers() -> None:
    config = create_config("paper")
    assert config.geometry.num_patches == 196
    assert config.geometry.num_kept == 98
    assert config.geometry.num_masked == 98
    assert config.sirm.target_identity_channels == 512
    assert config.fusion_dim == 768 + 512


@pytest.mark.parametrize("name", variant_names())
def test_config_round_trips_through_dict(name: str) -> None:
    config = create_config(name)
    assert DFRECConfig.from_dict(config.to_dict()) == config


def test_mask_composite_keeps_every_pixel_the_ism_calls_target() -> None:
    """composite="mask": with m_s = 0 the recovered target is the input exactly (a pristine face
    passes through); with m_s = 1 the masked patches are the prediction. The composite alone:
    the deblocking filter after it is tested in test_deblock.py."""
    small = create_config("small")
    config = dataclasses.replace(small, tirm=dataclasses.replace(small.tirm, deblock_width=0))
    assert config.tirm.composite == "mask"
    tirm = TIRM(config).eval()
    geometry = config.geometry
    image = torch.rand(2, 3, geometry.image_size, geometry.image_size)
    grid = geometry.grid_size
    identity = torch.zeros(2, config.sirm.target_identity_channels, grid, grid)
    noise = torch.rand(2, geometry.num_patches) * 0.1
    with torch.no_grad():
        untouched = tirm(image, torch.zeros_like(image[:, :1]), identity, noise)
        replaced = tirm(image, torch.ones_like(image[:, :1]), identity, noise)
    assert torch.equal(untouched.target, image)
    assert untouched.masked.sum(dim=1).eq(geometry.num_masked).all()
    predicted = unpatchify(replaced.predicted_patches, geometry.patch_size, grid)
    masked_pixels = unpatchify(
        replaced.masked[..., None].expand(-1, -1, geometry.patch_pixels).float(),
        geometry.patch_size,
        grid,
    ).bool()
    assert torch.allclose(replaced.target[masked_pixels], predicted[masked_pixels])
    assert torch.equal(replaced.target[~masked_pixels], image[~masked_pixels])


def test_unknown_composite_is_refused() -> None:
    with pytest.raises(ValueError, match="composite must be one of"):
        dataclasses.replace(create_config("tiny").tirm, composite="poisson")


@pytest.mark.parametrize("recovery_gradient", [True, False])
def test_the_source_loss_reaches_the_ism_only_when_configured(recovery_gradient: bool) -> None:
    config = create_config("tiny")
    config = dataclasses.replace(
        config, ism=dataclasses.replace(config.ism, recovery_gradient=recovery_gradient)
    )
    model = DFREC(config)
    size, patches = config.geometry.image_size, config.geometry.num_patches
    output = model(torch.rand(2, 3, size, size), torch.rand(2, patches) * 0.1)
    (output.source.sum() + output.target.sum()).backward()
    ism_gradient = sum(
        parameter.grad.abs().sum().item()
        for parameter in model.ism.parameters()
        if parameter.grad is not None
    )
    assert (ism_gradient > 0) == recovery_gradient
    assert create_config("small").ism.recovery_gradient is False


def tiny_tirm_inputs(config: DFRECConfig, batch: int = 2) -> tuple[torch.Tensor, ...]:
    """image (B, 3, S, S), a full mask, f_t (B, C_t, g, g) and Algorithm 1's noise."""
    geometry, grid = config.geometry, config.geometry.grid_size
    image = torch.rand(batch, 3, geometry.image_size, geometry.image_size)
    identity = torch.randn(batch, config.sirm.target_identity_channels, grid, grid)
    return image, torch.ones_like(image[:, :1]), identity, torch.rand(batch, geometry.num_patches)


def test_an_untrained_identity_fusion_adds_nothing() -> None:
    """f_t's columns of the fusion start at zero: a TIRM pretrained with blank f_t must not
    meet random projections of the SIRM's f_t at inference."""
    config = create_config("tiny")
    tirm = TIRM(config).eval()
    image, mask, identity, noise = tiny_tirm_inputs(config)
    with torch.no_grad():
        with_identity = tirm(image, mask, identity, noise * 0.1)
        blank = tirm(image, mask, torch.zeros_like(identity), noise * 0.1)
    assert torch.equal(with_identity.predicted_patches, blank.predicted_patches)


def test_the_pixel_prior_adds_the_mean_faces_detail_and_no_colour() -> None:
    config = create_config("tiny")
    config = dataclasses.replace(config, tirm=dataclasses.replace(config.tirm, pixel_prior=True))
    tirm = TIRM(config)
    size, patch = config.geometry.image_size, config.geometry.patch_size
    mean_face = torch.rand(3, size, size) * 0.6 + 0.2
    tirm.set_pixel_prior(mean_face)
    prior = unpatchify(tirm.pixel_prior.detach(), patch, config.geometry.grid_size)[0]
    per_patch = torch.nn.functional.avg_pool2d(prior, patch)
    assert per_patch.abs().max() < 1e-5  # zero mean in every patch and channel
    detail = (
        torch.logit(mean_face)
        - torch.nn.functional.interpolate(
            torch.nn.functional.avg_pool2d(torch.logit(mean_face)[None], patch), scale_factor=patch
        )[0]
    )
    assert torch.allclose(prior, detail, atol=1e-5)
    image, mask, identity, noise = tiny_tirm_inputs(config)
    output = tirm(image, mask, identity, noise * 0.1)
    assert output.predicted_patches.min() >= 0 and output.predicted_patches.max() <= 1
    no_prior = dataclasses.replace(config.tirm, pixel_prior=False, geometry_prior=False)
    with pytest.raises(ValueError, match="pixel_prior=False"):
        TIRM(dataclasses.replace(config, tirm=no_prior)).set_pixel_prior(mean_face)


def test_mirror_average_makes_the_ism_mirror_symmetric_outside_training() -> None:
    config = create_config("tiny")
    averaged = dataclasses.replace(config.ism, mirror_average=True)
    torch.manual_seed(0)
    plain = ISM(config.ism, config.geometry).eval()
    mirrored = ISM(averaged, config.geometry).eval()
    mirrored.load_state_dict(plain.state_dict())
    size = config.geometry.image_size
    image = torch.rand(2, 3, size, size)
    with torch.no_grad():
        face, flipped = mirrored(image), mirrored(image.flip(-1))
        torch.testing.assert_close(flipped.mask_logits, face.mask_logits.flip(-1))
        torch.testing.assert_close(flipped.fake_logit, face.fake_logit)
        one_pass = plain(image)
        assert not torch.allclose(face.mask_logits, one_pass.mask_logits)
        mirrored.train()
        plain.train()
        torch.manual_seed(1)  # the ASPP's dropout: the same draws for both
        training_pass = mirrored(image).mask_logits
        torch.manual_seed(1)
        torch.testing.assert_close(training_pass, plain(image).mask_logits)
