"""Synthetic forgeries and the dataset: ground truth consistent, reproducible, identity-safe."""

import numpy as np
import pytest
import torch
from torch.utils.data import DataLoader

from dfrec.data.augment import mirror_landmarks
from dfrec.data.dataset import SyntheticForgeries
from dfrec.data.held_out_swaps import (
    make_ellipse_swap,
    make_lowres_swap,
    make_similarity_swap,
    render_at_low_resolution,
    source_face_on_target,
)
from dfrec.data.masks import face_region
from dfrec.data.prepare import align_photos, list_photos
from dfrec.data.self_blend import make_self_blend
from dfrec.data.synth import Face, make_blend, make_pristine, make_swap, to_float
from dfrec.data.warp import piecewise_affine_warp, similarity_warp

pytestmark = pytest.mark.data
SIZE = 64


@pytest.fixture(scope="module")
def faces(celeba_root):
    """Aligned faces of 3 photos each of 4 people at 64 px."""
    by_person = {}
    for path in list_photos(celeba_root):
        by_person.setdefault(path.parent.name, []).append(path)
    photos = [path for paths in list(by_person.values())[:4] for path in paths[:3]]
    return align_photos(photos, SIZE, progress=False)


def face(faces, row):
    return Face(faces.crops[row], faces.landmarks_68[row])


def pair_rows(faces):
    """Two rows of different people."""
    target = 0
    source = int(np.flatnonzero(faces.identities != faces.identities[target])[0])
    return source, target


ALL_MAKERS = [make_swap, make_blend, make_lowres_swap, make_ellipse_swap, make_similarity_swap]


@pytest.mark.parametrize("make", ALL_MAKERS)
def test_fake_is_target_outside_the_mask(faces, make):
    source_row, target_row = pair_rows(faces)
    forgery = make(face(faces, source_row), face(faces, target_row), np.random.default_rng(0))
    for image in (forgery.fake, forgery.source, forgery.target):
        assert image.shape == (3, SIZE, SIZE) and image.dtype == np.float32
        assert image.min() >= 0.0 and image.max() <= 1.0
    assert forgery.mask.shape == (1, SIZE, SIZE) and forgery.mask.dtype == np.float32
    assert forgery.mask.min() >= 0.0 and forgery.mask.max() <= 1.0
    assert forgery.mask.sum() > 0.05 * SIZE * SIZE and forgery.mask.max() > 0.99
    outside = np.broadcast_to(forgery.mask == 0, forgery.fake.shape)
    assert outside.any()
    assert np.array_equal(forgery.fake[outside], forgery.target[outside])
    assert np.array_equal(
        forgery.target, faces.crops[target_row].transpose(2, 0, 1) / np.float32(255)
    )
    assert np.array_equal(
        forgery.source, faces.crops[source_row].transpose(2, 0, 1) / np.float32(255)
    )
    inside = np.broadcast_to(forgery.mask > 0.99, forgery.fake.shape)
    assert np.abs(forgery.fake[inside] - forgery.target[inside]).mean() > 0.02
    assert forgery.is_fake


def high_frequency_energy(image: np.ndarray, weight: np.ndarray) -> float:
    """Mean squared Laplacian of image (3, S, S) weighted by weight (S, S)."""
    laplacian = (
        4 * image[:, 1:-1, 1:-1]
        - image[:, :-2, 1:-1]
        - image[:, 2:, 1:-1]
        - image[:, 1:-1, :-2]
        - image[:, 1:-1, 2:]
    )
    inner = weight[1:-1, 1:-1]
    return float((laplacian**2 * inner).sum() / (3 * inner.sum()))


def test_lowres_swap_pastes_a_blurrier_face_than_a_swap(faces):
    """The held-out kind's tell is resolution: its pasted face has less fine detail than the
    same pair's landmark swap, which pastes at full resolution; the ellipse swap, the same
    without the resolution change, keeps the mask and loses the blur."""
    source_row, target_row = pair_rows(faces)
    source, target = face(faces, source_row), face(faces, target_row)
    lowres = make_lowres_swap(source, target, np.random.default_rng(0))
    swap = make_swap(source, target, np.random.default_rng(0))
    core = (lowres.mask[0] > 0.99) & (swap.mask[0] > 0.99)
    assert core.sum() > 0.05 * SIZE * SIZE
    lowres_energy = high_frequency_energy(lowres.fake, core.astype(np.float32))
    swap_energy = high_frequency_energy(swap.fake, core.astype(np.float32))
    assert lowres_energy < 0.7 * swap_energy
    assert lowres.kind == "lowres_swap" and lowres.is_fake
    ellipse = make_ellipse_swap(source, target, np.random.default_rng(0))
    assert ellipse.kind == "ellipse_swap" and ellipse.is_fake
    assert high_frequency_energy(ellipse.fake, core.astype(np.float32)) > 1.5 * lowres_energy


def test_similarity_swap_pastes_the_source_in_its_own_shape(faces):
    """The similarity swap and the ellipse swap of a pair differ in how the source is moved:
    inside the mask the similarity swap's fake follows the source aligned by a similarity (its
    own proportions), the ellipse swap's the source warped onto the target's landmarks. The
    similarity swap's mask is the same ellipse cut to the moved source's own face."""
    source_row, target_row = pair_rows(faces)
    source, target = face(faces, source_row), face(faces, target_row)
    kept = make_similarity_swap(source, target, np.random.default_rng(3))
    warped = make_ellipse_swap(source, target, np.random.default_rng(3))
    assert kept.kind == "similarity_swap" and kept.is_fake
    assert (kept.mask <= warped.mask + 1e-6).all()
    assert np.array_equal(kept.mask, warped.mask * source_face_on_target(source, target, SIZE))
    core = np.broadcast_to(kept.mask > 0.99, kept.fake.shape)
    assert np.abs(kept.fake[core] - warped.fake[core]).mean() > 0.01
    image, points = to_float(source.crop), (source.landmarks_68, target.landmarks_68)
    by_similarity = similarity_warp(image, *points).transpose(2, 0, 1)[core]
    by_landmarks = piecewise_affine_warp(image, *points).transpose(2, 0, 1)[core]

    def correlation(a, b):
        return float(np.corrcoef(a, b)[0, 1])

    assert correlation(kept.fake[core], by_similarity) > correlation(kept.fake[core], by_landmarks)
    assert correlation(warped.fake[core], by_landmarks) > correlation(
        warped.fake[core], by_similarity
    )


def test_low_resolution_rendering_keeps_size_range_and_mean():
    image = np.random.default_rng(0).random((SIZE, SIZE, 3)).astype(np.float32)
    rendered = render_at_low_resolution(image, 2.0)
    assert rendered.shape == image.shape and rendered.dtype == np.float32
    assert rendered.min() >= 0.0 and rendered.max() <= 1.0
    assert abs(rendered.mean() - image.mean()) < 0.01
    assert rendered.std() < 0.8 * image.std()  # detail above the lower resolution is gone


def test_pristine_is_its_own_source_and_target(faces):
    forgery = make_pristine(face(faces, 0))
    assert np.array_equal(forgery.fake, forgery.source)
    assert np.array_equal(forgery.fake, forgery.target)
    assert not forgery.mask.any() and forgery.mask.shape == (1, SIZE, SIZE)
    assert not forgery.is_fake


def test_same_seed_same_sample(faces):
    source_row, target_row = pair_rows(faces)
    source, target = face(faces, source_row), face(faces, target_row)
    for make in ALL_MAKERS:
        first = make(source, target, np.random.default_rng(7))
        second = make(source, target, np.random.default_rng(7))
        assert np.array_equal(first.fake, second.fake)
        assert np.array_equal(first.mask, second.mask)
    other = make_blend(source, target, np.random.default_rng(8))
    assert not np.array_equal(other.mask, first.mask)


def test_dataset_items_are_reproducible_tensors(faces):
    people = sorted(set(faces.identities))[:3]
    dataset = SyntheticForgeries(faces, people, length=10, seed=1)
    again = SyntheticForgeries(faces, people, length=10, seed=1)
    for index in range(5):
        item = dataset[index]
        assert item["kind"] == dataset.schedule[index]
        for key in ("fake", "source", "target", "mask", "is_fake"):
            assert item[key].dtype == torch.float32
            assert torch.equal(item[key], again[index][key])
        assert item["fake"].shape == (3, SIZE, SIZE) and item["mask"].shape == (1, SIZE, SIZE)
        assert item["is_fake"].item() == float(item["kind"] != "pristine")
        assert (item["mask"].sum() > 0).item() == (item["kind"] != "pristine")
        kind, source_row, target_row = dataset.pair(index)
        assert {faces.identities[source_row], faces.identities[target_row]} <= set(people)
        if kind != "pristine":
            assert faces.identities[source_row] != faces.identities[target_row]
    dataset.set_epoch(1)
    assert not torch.equal(dataset[0]["fake"], again[0]["fake"])


def test_every_batch_has_every_kind(faces):
    dataset = SyntheticForgeries(faces, sorted(set(faces.identities)), length=10)
    for batch in DataLoader(dataset, batch_size=5, shuffle=False):
        assert set(batch["kind"]) == {"swap", "blend", "pristine"}
        assert batch["fake"].shape == (5, 3, SIZE, SIZE) and batch["is_fake"].shape == (5,)


def test_self_blend_pastes_an_altered_copy_of_the_same_photo(faces):
    photo = face(faces, 0)
    forgery = make_self_blend(photo, np.random.default_rng(3))
    original = faces.crops[0].transpose(2, 0, 1) / np.float32(255)
    assert np.array_equal(forgery.source, original) and np.array_equal(forgery.target, original)
    assert forgery.kind == "selfblend" and forgery.is_fake
    assert forgery.mask.sum() > 0.05 * SIZE * SIZE and forgery.mask.max() > 0.99
    outside = np.broadcast_to(forgery.mask == 0, forgery.fake.shape)
    assert np.array_equal(forgery.fake[outside], original[outside])
    inside = np.broadcast_to(forgery.mask > 0.99, forgery.fake.shape)
    difference = np.abs(forgery.fake[inside] - original[inside]).mean()
    assert 0.005 < difference < 0.15  # a seam, not another face
    again = make_self_blend(photo, np.random.default_rng(3))
    assert np.array_equal(again.fake, forgery.fake)


def test_self_blend_items_keep_one_person(faces):
    people = sorted(set(faces.identities))
    dataset = SyntheticForgeries(faces, people, length=8, mix={"selfblend": 0.5, "swap": 0.5})
    kinds = set()
    for index in range(len(dataset)):
        kind, source_row, target_row = dataset.pair(index)
        kinds.add(kind)
        item = dataset[index]
        assert item["is_fake"].item() == 1.0 and item["mask"].sum() > 0
        if kind == "selfblend":
            assert source_row == target_row
            assert torch.equal(item["source"], item["target"])
    assert kinds == {"selfblend", "swap"}


def test_mirror_flips_whole_items_and_changes_nothing_else(faces):
    people = sorted(set(faces.identities))
    plain = SyntheticForgeries(faces, people, length=12, seed=2, augment=True)
    mirrored = SyntheticForgeries(faces, people, length=12, seed=2, augment=True, mirror=True)
    keys = ("fake", "source", "target", "mask", "face_region")
    flipped = 0
    for index in range(len(plain)):
        item, other = plain[index], mirrored[index]
        assert other["kind"] == item["kind"] and torch.equal(other["is_fake"], item["is_fake"])
        if all(torch.equal(other[key], item[key].flip(-1)) for key in keys):
            flipped += 1
            size = item["fake"].shape[-1]
            expected = mirror_landmarks(item["landmarks"].numpy(), size)
            assert np.array_equal(other["landmarks"].numpy(), expected)
        else:
            assert all(torch.equal(other[key], item[key]) for key in (*keys, "landmarks"))
    assert 0 < flipped < len(plain)


def test_align_jitter_moves_whole_items_with_their_landmarks_and_changes_nothing_else(faces):
    people = sorted(set(faces.identities))
    plain = SyntheticForgeries(faces, people, length=16, seed=2, augment=True, mirror=True)
    moved = SyntheticForgeries(
        faces, people, length=16, seed=2, augment=True, mirror=True, align_jitter=True
    )
    keys = ("fake", "source", "target", "mask", "face_region", "landmarks")
    jittered = 0
    for index in range(len(plain)):
        item, other = plain[index], moved[index]
        assert other["kind"] == item["kind"] and torch.equal(other["is_fake"], item["is_fake"])
        if all(torch.equal(other[key], item[key]) for key in keys):
            continue
        jittered += 1
        assert all(not torch.equal(other[key], item[key]) for key in ("fake", "landmarks"))
        shift = (other["landmarks"] - item["landmarks"]).norm(dim=1)
        assert 0 < shift.mean() < 0.1 * SIZE  # a few pixels, not another face
        # the face region, moved as an image, is the region of the moved landmarks
        region = other["face_region"][0].numpy() > 0.5
        expected = face_region(other["landmarks"].numpy(), SIZE) > 0.5
        assert (region & expected).sum() / (region | expected).sum() > 0.9
        repeat = moved[index]
        assert all(torch.equal(repeat[key], other[key]) for key in keys)
    assert 0 < jittered < len(plain)
