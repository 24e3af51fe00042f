"""The recovered target keeps the input's low-frequency light inside the MAE's fill."""

import dataclasses
import math

import numpy as np
import pytest
import torch
from parity import served_tirm

from dfrec.config import DFRECConfig
from dfrec.data.align import template_landmarks
from dfrec.models.dfrec import DFREC
from dfrec.models.input_light import keep_input_light, support_mean
from dfrec.registry import create_config

SIZE, SIGMA = 64, 3.2


def smooth(phase: float) -> torch.Tensor:
    """Slow light: half a sine period from left to right, in [0.3, 0.5]. (1, 3, S, S)"""
    position = torch.arange(SIZE, dtype=torch.float32) * math.pi / SIZE
    wave = 0.4 + 0.1 * torch.sin(position + phase)
    return wave.expand(1, 3, SIZE, SIZE).clone()


def detail(sign: float) -> torch.Tensor:
    """Fine texture a Gaussian of SIGMA wipes out: a 2 px checkerboard of +-0.1. (1, 3, S, S)"""
    index = torch.arange(SIZE)
    board = ((index[None, :] + index[:, None]) % 2).float() * 0.2 - 0.1
    return (sign * board).expand(1, 3, SIZE, SIZE).clone()


def test_the_fill_takes_the_inputs_light_and_keeps_its_own_detail():
    image = smooth(0.0) + detail(1.0)  # the fake: the target's light, the source's detail
    target = smooth(2.0) + detail(-1.0)  # the MAE's fill: other light, its own detail
    everywhere = torch.ones(1, 1, SIZE, SIZE)
    kept = keep_input_light(target, image, everywhere, everywhere, SIGMA)
    wanted = smooth(0.0) + detail(-1.0)
    error = (kept - wanted).abs().mean()
    assert error < 0.1 * (target - wanted).abs().mean()
    assert error < 1e-2


def test_unchanged_pixels_stay_exactly_the_targets():
    torch.manual_seed(0)
    image, target = torch.rand(2, 1, 3, SIZE, SIZE)
    changed = torch.zeros(1, 1, SIZE, SIZE)
    changed[..., 16:48, 16:48] = torch.rand(32, 32)
    support = torch.rand(1, 1, SIZE, SIZE)
    kept = keep_input_light(target, image, changed, support, SIGMA)
    outside = (changed == 0).expand_as(target)
    assert torch.equal(kept[outside], target[outside])
    assert not torch.equal(kept, target)


def test_support_mean_reads_only_the_supported_pixels():
    image = torch.zeros(1, 3, SIZE, SIZE)
    image[..., :, SIZE // 2 :] = 1.0  # right half bright
    support = torch.zeros(1, 1, SIZE, SIZE)
    support[..., :, SIZE // 2 :] = 1.0  # and only the right half counts
    near = support_mean(image, support, SIGMA)[..., :, SIZE // 2 - int(SIGMA) :]
    torch.testing.assert_close(near, torch.ones_like(near))  # the dark half does not bleed in


def lit_config(blur: float = 0.1) -> DFRECConfig:
    """tiny with the TIRM keeping the input's light (off in every variant)."""
    config = create_config("tiny")
    return dataclasses.replace(config, tirm=dataclasses.replace(config.tirm, input_light_blur=blur))


def test_the_tirm_keeps_the_input_light_when_its_config_says_so():
    torch.manual_seed(0)
    assert create_config("small").tirm.input_light_blur == 0.0  # measured no gain: off
    plain, lit = DFREC(create_config("tiny")).eval(), DFREC(lit_config()).eval()
    lit.load_state_dict(plain.state_dict())
    size = plain.config.geometry.image_size
    face = torch.rand(1, 3, size, size)
    noise = torch.full((1, plain.config.geometry.num_patches), 0.05)
    with torch.no_grad():
        before, after = plain(face, noise), lit(face, noise)
    assert not torch.equal(before.target, after.target)
    same = before.target == face  # pixels the fill left alone stay the input's
    assert same.any() and torch.equal(after.target[same], face[same])
    with pytest.raises(ValueError, match="input_light_blur"):
        lit_config(1.5)


def test_a_model_keeping_the_input_light_exports_to_onnx_and_answers_the_same(tmp_path):
    """It runs inside the TIRM's forward: the exported TIRM answers as the in-process one does
    (1e-4, the export tests' tolerance)."""
    torch.manual_seed(0)
    model = DFREC(lit_config()).eval()
    size = model.config.geometry.image_size
    landmarks = torch.from_numpy(template_landmarks(size))[None].repeat(2, 1, 1)
    answers = served_tirm(model, tmp_path, landmarks)
    np.testing.assert_allclose(answers.served, answers.expected, atol=1e-4)
