"""Real tools' outputs as training fakes (dfrec.data.real_tool): aligned as the service aligns a
photo, the face hull as their mask, and untouched tight crops as the pristine items beside them."""

import shutil

import numpy as np
import pytest

from dfrec.data.dataset import SyntheticForgeries
from dfrec.data.prepare import align_photos, list_photos
from dfrec.data.real_tool import RealToolFaces, align_like_service
from dfrec.evaluation.wild_faces import align_largest_face
from dfrec.imageio import open_rgb

SIZE = 64


@pytest.fixture(scope="module")
def folders(celeba_root, tmp_path_factory):
    """(fakes, tight): 3 and 2 CelebA photos copied into two flat folders (stand-ins for a
    tool's outputs and for tight crops), and the aligned faces of 3 people for the dataset."""
    photos = list_photos(celeba_root)
    root = tmp_path_factory.mktemp("real-tool")
    fakes, tight = root / "fakes", root / "tight"
    for folder, chosen in ((fakes, photos[:3]), (tight, photos[3:5])):
        folder.mkdir()
        for index, photo in enumerate(chosen):
            shutil.copy(photo, folder / f"{index}.jpg")
    by_person = {}
    for path in photos:
        by_person.setdefault(path.parent.name, []).append(path)
    faces = align_photos([paths[0] for paths in list(by_person.values())[:3]], SIZE, False)
    return fakes, tight, faces


@pytest.mark.data
def test_alignment_is_the_services(folders):
    fakes, _, _ = folders
    aligned = align_like_service(fakes, SIZE, progress=False)
    assert len(aligned) == 3 and aligned.landmarks_68.shape == (3, 68, 2)
    service, _ = align_largest_face(np.asarray(open_rgb(fakes / "0.jpg")), SIZE)
    assert np.array_equal(aligned.crops[0], service)


@pytest.mark.data
def test_realtool_items_are_fakes_masked_on_the_face_and_tight_crops_pristine(folders):
    fakes, tight, faces = folders
    real_tool = RealToolFaces(
        align_like_service(fakes, SIZE, False), align_like_service(tight, SIZE, False)
    )
    people = sorted(set(faces.identities))
    mix = {"realtool": 0.5, "tight_pristine": 0.5}
    with pytest.raises(ValueError, match="real tool"):
        SyntheticForgeries(faces, people, length=4, mix=mix)
    dataset = SyntheticForgeries(faces, people, length=8, mix=mix, real_tool=real_tool)
    kinds = [dataset[index]["kind"] for index in range(8)]
    assert kinds.count("realtool") == 4 and kinds.count("pristine") == 4
    for index in range(8):
        item = dataset[index]
        crops = real_tool.fakes if item["kind"] == "realtool" else real_tool.tight
        as_uint8 = np.rint(item["fake"].numpy().transpose(1, 2, 0) * 255).astype(np.uint8)
        assert any(np.array_equal(as_uint8, crop) for crop in crops.crops)
        if item["kind"] == "realtool":
            assert item["is_fake"] == 1.0
            inside = (item["mask"] * item["face_region"]).sum() / item["mask"].sum()
            assert item["mask"].max() > 0.9 and inside > 0.95  # the face hull, feathered inward
        else:
            assert item["is_fake"] == 0.0 and item["mask"].sum() == 0


@pytest.mark.data
def test_a_missing_folder_refuses_only_its_own_kind(folders):
    fakes, tight, faces = folders
    only_tight = RealToolFaces(None, align_like_service(tight, SIZE, False))
    people = sorted(set(faces.identities))
    dataset = SyntheticForgeries(
        faces, people, length=2, mix={"tight_pristine": 1.0}, real_tool=only_tight
    )
    assert dataset[0]["is_fake"] == 0.0
    with pytest.raises(ValueError, match="real tool's outputs"):
        SyntheticForgeries(faces, people, length=2, mix={"realtool": 1.0}, real_tool=only_tight)[0]
