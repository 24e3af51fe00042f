"""The TIRM's landmark refiner: what it reads, that it starts as the identity, that it learns,
how a checkpoint without one gets one, and the fakes it is trained on."""

import dataclasses

import numpy as np
import pytest
import torch
from parity import served_tirm

from dfrec.checkpoint import save_checkpoint
from dfrec.data.align import template_landmarks
from dfrec.data.augment import mirror_landmarks
from dfrec.data.prepare import align_photos, list_photos
from dfrec.export.wrappers import serving_models
from dfrec.models.dfrec import DFREC
from dfrec.models.landmark_refiner import LandmarkRefiner
from dfrec.registry import create_config
from dfrec.training.landmarks import (
    LandmarkSamples,
    add_refiner,
    landmark_samples,
    point_error,
    train_refiner,
)

SIZE = 64


def template_batch(batch: int, size: int = SIZE) -> torch.Tensor:
    return torch.from_numpy(template_landmarks(size))[None].repeat(batch, 1, 1)


def test_untrained_refiner_returns_the_points_it_was_given():
    torch.manual_seed(0)
    refiner = LandmarkRefiner(SIZE, 8, 4, 16)
    points = template_batch(3) + torch.randn(3, 68, 2)
    assert torch.equal(refiner(torch.rand(3, 3, SIZE, SIZE), points), points)


def test_patches_read_the_image_around_each_point():
    """On an image whose channels are x and y, each patch holds its point's coordinates plus
    the patch offsets (bilinear sampling is exact on a linear ramp)."""
    refiner = LandmarkRefiner(SIZE, 8, 4, 16)
    ramp = torch.arange(SIZE, dtype=torch.float32)
    image = torch.stack(
        [
            ramp.expand(SIZE, SIZE),
            ramp[:, None].expand(SIZE, SIZE),
            ramp[:1, None].expand(SIZE, SIZE),
        ]
    )
    points = template_batch(2) + torch.tensor([[0.3, -0.6]])
    patches = refiner.patches(image[None].repeat(2, 1, 1, 1), points)  # (2 * 68, 3, 8, 8)
    expected = points.flatten(0, 1)[:, :, None, None] + refiner.patch_offsets.permute(2, 0, 1)
    assert patches.shape == (2 * 68, 3, 8, 8)
    assert torch.allclose(patches[:, :2], expected, atol=1e-4)


def test_refiner_learns_a_shift_of_every_point():
    """Trained on fakes whose true points are dlib's moved by (2, -1) px, the refiner's error
    falls from the shift's length to a fraction of it."""
    generator = np.random.default_rng(0)
    found = template_landmarks(SIZE)[None] + generator.normal(0, 1, (32, 68, 2)).astype(np.float32)
    samples = LandmarkSamples(
        images=generator.integers(0, 256, (32, 3, SIZE, SIZE), dtype=np.uint8),
        found=found,
        truth=found + np.array([2.0, -1.0], np.float32),
        kinds=np.array(["swap"] * 32),
    )
    torch.manual_seed(0)
    refiner = LandmarkRefiner(SIZE, 8, 4, 16)
    losses = train_refiner(refiner, samples, 150, 16, 1e-2, progress=False)
    images, points, truth = samples.batch(np.arange(32))
    with torch.no_grad():
        error = point_error(refiner(images, points), truth).mean()
    assert losses[0] == pytest.approx(np.hypot(2.0, 1.0), rel=1e-4)
    assert error < 0.25 * np.hypot(2.0, 1.0)


def tiny_with_refiner():
    config = create_config("tiny")
    tirm = dataclasses.replace(
        config.tirm, refiner_patch_size=8, refiner_channels=4, refiner_hidden=16
    )
    return dataclasses.replace(config, tirm=tirm)


def test_a_checkpoint_without_a_refiner_gets_one_and_keeps_every_other_weight(tmp_path):
    torch.manual_seed(0)
    plain = DFREC(create_config("tiny"))
    path = save_checkpoint(plain, tmp_path / "plain.pt")
    payload = torch.load(path, weights_only=True)
    model = add_refiner(payload, tiny_with_refiner())
    assert model.tirm.landmark_refiner is not None
    for name, tensor in plain.state_dict().items():
        assert torch.equal(model.state_dict()[name], tensor), name
    image, noise = (
        torch.rand(2, 3, SIZE, SIZE),
        torch.rand(2, plain.config.geometry.num_patches) * 0.1,
    )
    points = template_batch(2) + 1.5
    plain.eval(), model.eval()
    with torch.no_grad():  # untrained, the refiner changes nothing
        assert torch.equal(model(image, noise, points).target, plain(image, noise, points).target)
        model.tirm.landmark_refiner.shape_head[-1].bias.fill_(3.0)
        assert not torch.allclose(
            model(image, noise, points).target, plain(image, noise, points).target
        )
    del payload["state_dict"]["tirm.patch_embed.proj.weight"]
    with pytest.raises(ValueError, match="do not fit"):
        add_refiner(payload, tiny_with_refiner())
    with pytest.raises(ValueError, match="no landmark refiner"):
        add_refiner(payload, create_config("tiny"))


@pytest.mark.data
def test_landmark_samples_hold_fakes_with_the_targets_points(celeba_root):
    by_person = {}
    for path in list_photos(celeba_root):
        by_person.setdefault(path.parent.name, []).append(path)
    photos = [path for paths in list(by_person.values())[:4] for path in paths[:2]]
    faces = align_photos(photos, 128, progress=False)
    samples = landmark_samples(faces, sorted(set(faces.identities)), [], 10, seed=0, progress=False)
    assert samples.images.shape == (10, 3, 128, 128) and samples.images.dtype == np.uint8
    assert samples.found.shape == samples.truth.shape == (10, 68, 2)
    assert set(samples.kinds) == {"swap", "blend", "pristine"}
    own = list(faces.landmarks_68) + [
        mirror_landmarks(points, 128) for points in faces.landmarks_68
    ]
    assert all(any(np.allclose(truth, points) for points in own) for truth in samples.truth)
    pristine = samples.kinds == "pristine"
    error = np.linalg.norm(samples.found[pristine] - samples.truth[pristine], axis=-1)
    assert np.median(error) < 2.0  # on a real face dlib finds the face's own points again


def test_a_model_with_a_trained_refiner_exports_to_onnx_and_answers_the_same(tmp_path):
    """The refiner runs inside the TIRM's forward: the exported TIRM takes the same inputs and
    moves the points as the in-process one does (1e-4, the export tests' tolerance)."""
    torch.manual_seed(0)
    model = DFREC(tiny_with_refiner()).eval()
    with torch.no_grad():  # a refiner that moves the points
        torch.nn.init.normal_(model.tirm.landmark_refiner.shape_head[-1].weight, std=0.05)
        model.tirm.landmark_refiner.shape_head[-1].bias.normal_(std=1.0)
    answers = served_tirm(model, tmp_path, template_batch(2) + 1.0)
    np.testing.assert_allclose(answers.served, answers.expected, atol=1e-4)
    with torch.inference_mode():
        unrefined = DFREC(create_config("tiny")).eval()
        unrefined.load_state_dict(model.state_dict(), strict=False)
        tirm = next(s for s in serving_models(unrefined) if s.name == "tirm")
        plain = tirm.module(*answers.inputs).numpy()
    assert np.abs(answers.expected - plain).max() > 1e-2  # the refiner did move them
