"""Re-synthesized swaps (dfrec.data.resynth) and the wild degradation chain (augment)."""

import numpy as np
import pytest
import torch

from dfrec.data.augment import video_degrade, wild_degrade
from dfrec.data.dataset import SyntheticForgeries
from dfrec.data.masks import fill_hull, hull_points
from dfrec.data.prepare import align_photos, list_photos
from dfrec.data.resynth import DRAW_SCALES, FaceResynthesizer, make_resynth
from dfrec.data.synth import Face
from dfrec.models.sirm import SIRM
from dfrec.registry import create_config

SIZE = 64


class RecordingDecoder:
    """Stands in for the SIRM where the test must see what the decoder was given: it returns a
    flat grey face and keeps its inputs."""

    def __init__(self) -> None:
        self.calls: list[tuple[np.ndarray, np.ndarray]] = []

    def __call__(self, image: np.ndarray, region: np.ndarray, scale: int) -> np.ndarray:
        assert scale in DRAW_SCALES
        self.calls.append((image.copy(), region.copy()))
        return np.full_like(image, 0.5)


@pytest.fixture(scope="module")
def faces(celeba_root):
    """Aligned faces of 2 photos each of 3 people at 64 px."""
    by_person = {}
    for path in list_photos(celeba_root):
        by_person.setdefault(path.parent.name, []).append(path)
    photos = [path for paths in list(by_person.values())[:3] for path in paths[:2]]
    return align_photos(photos, SIZE, progress=False)


@pytest.fixture(scope="module")
def sirm_decoder():
    torch.manual_seed(0)
    return FaceResynthesizer(SIRM(create_config("tiny").sirm))


def face(faces, row):
    return Face(faces.crops[row], faces.landmarks_68[row])


def other_person_row(faces, row):
    return int(np.flatnonzero(faces.identities != faces.identities[row])[0])


@pytest.mark.data
def test_resynth_keeps_the_target_or_its_redrawing_outside_the_pasted_face(faces, sirm_decoder):
    target_row = 0
    source_row = other_person_row(faces, target_row)
    target = faces.crops[target_row].transpose(2, 0, 1) / np.float32(255)
    whole_crops = 0
    for seed in range(8):
        forgery = make_resynth(
            face(faces, source_row),
            face(faces, target_row),
            np.random.default_rng(seed),
            sirm_decoder,
        )
        assert forgery.kind == "resynth" and forgery.is_fake
        assert forgery.fake.shape == (3, SIZE, SIZE) and forgery.mask.shape == (1, SIZE, SIZE)
        assert forgery.fake.min() >= 0.0 and forgery.fake.max() <= 1.0
        assert np.array_equal(forgery.target, target)
        outside = np.broadcast_to(forgery.mask == 0, forgery.fake.shape)
        inside = np.broadcast_to(forgery.mask > 0.99, forgery.fake.shape)
        assert inside.any() and np.abs(forgery.fake[inside] - target[inside]).mean() > 0.01
        if not np.array_equal(forgery.fake[outside], target[outside]):
            whole_crops += 1  # the decoder re-drew the background too
            assert np.abs(forgery.fake[outside] - target[outside]).mean() > 0.01
        again = make_resynth(
            face(faces, source_row),
            face(faces, target_row),
            np.random.default_rng(seed),
            sirm_decoder,
        )
        assert np.array_equal(again.fake, forgery.fake) and np.array_equal(again.mask, forgery.mask)
    assert 0 < whole_crops < 8


@pytest.mark.data
def test_resynth_decoder_sees_the_composite_in_the_face_hull_or_the_whole_crop(faces):
    target_row = 0
    source_row = other_person_row(faces, target_row)
    hull = fill_hull(hull_points(faces.landmarks_68[target_row], "face"), SIZE)
    sources, regions = set(), set()
    for seed in range(16):
        decoder = RecordingDecoder()
        forgery = make_resynth(
            face(faces, source_row), face(faces, target_row), np.random.default_rng(seed), decoder
        )
        ((image, region),) = decoder.calls
        whole = bool(region.all())
        assert whole or np.array_equal(region, hull)
        regions.add(whole)
        outside = hull == 0
        assert np.array_equal(image[outside], faces.crops[target_row][outside] / np.float32(255))
        # the pasted face sits inside the face hull (but for its feathered edge)
        assert (forgery.mask[0] * (1 - hull)).sum() < 0.1 * forgery.mask.sum()
        sources.add(bool(np.array_equal(forgery.source, forgery.target)))
    assert sources == {True, False}  # both the same-person re-draw and the swap occur
    assert regions == {True, False}  # both the whole-crop and the face-hull re-draw occur


def _noise() -> np.ndarray:
    return np.random.default_rng(0).random((3, SIZE, SIZE), dtype=np.float32)


def _gradient() -> np.ndarray:
    yy, xx = np.mgrid[0:SIZE, 0:SIZE] / SIZE
    return np.stack([xx, yy, (xx + yy) / 2]).astype(np.float32)  # a video codec codes it well


@pytest.mark.parametrize(
    ("degradation", "image", "largest_mean_change"),
    [(wild_degrade, _noise(), 1.0), (video_degrade, _gradient(), 0.06)],
)
def test_degradations_keep_size_are_reproducible_and_touch_about_half(
    degradation, image, largest_mean_change
):
    changed = 0
    for seed in range(40):
        out = degradation(image, np.random.default_rng(seed))
        again = degradation(image, np.random.default_rng(seed))
        assert out.shape == image.shape and out.dtype == np.float32
        assert np.array_equal(out, again) and out.min() >= 0.0 and out.max() <= 1.0
        if not np.array_equal(out, image):
            changed += 1
            assert 0.0 < np.abs(out - image).mean() < largest_mean_change  # coded, not destroyed
    assert 10 < changed < 30


@pytest.mark.data
def test_dataset_refuses_resynth_without_a_decoder(faces, sirm_decoder):
    people = sorted(set(faces.identities))
    with pytest.raises(ValueError, match="resynthesizer"):
        SyntheticForgeries(faces, people, length=4, mix={"resynth": 1.0})
    dataset = SyntheticForgeries(
        faces,
        people,
        length=4,
        mix={"resynth": 0.5, "pristine": 0.5},
        resynthesize=sirm_decoder,
        augment=True,
        wild_degrade=True,
    )
    kinds = {dataset[index]["kind"] for index in range(len(dataset))}
    assert kinds == {"resynth", "pristine"}
    assert torch.equal(dataset[0]["fake"], dataset[0]["fake"])


def test_decoder_draws_at_the_crops_size_whatever_the_scale(sirm_decoder):
    image = np.random.default_rng(1).random((SIZE, SIZE, 3), dtype=np.float32)
    region = np.zeros((SIZE, SIZE), np.float32)
    region[16:48, 16:48] = 1.0
    drawn = {scale: sirm_decoder(image, region, scale) for scale in (1, *DRAW_SCALES)}
    for scale, face in drawn.items():
        assert face.shape == image.shape and face.dtype == np.float32
        assert face.min() >= 0.0 and face.max() <= 1.0
        assert np.array_equal(face, sirm_decoder(image, region, scale))
    assert not np.array_equal(drawn[1], drawn[DRAW_SCALES[0]])
