"""Detection, alignment to the template and pasting back, on a few real photos."""

import cv2
import numpy as np
import pytest

from dfrec.data.align import TEMPLATE_5, align_face, detect_faces, paste_back, transform_points
from dfrec.data.prepare import list_photos, read_rgb

pytestmark = pytest.mark.data


@pytest.fixture(scope="module")
def photos(celeba_root):
    """Four photos of different people, (H, W, 3) uint8 each."""
    paths = list_photos(celeba_root)
    by_person = {}
    for path in paths:
        by_person.setdefault(path.parent.name, path)
    return [read_rgb(path) for path in list(by_person.values())[:4]]


def test_detect_finds_the_face_with_five_landmarks(photos):
    for photo in photos:
        faces = detect_faces(photo)
        assert faces, "no face found"
        left, top, right, bottom = faces[0].box
        assert faces[0].landmarks.shape == (5, 2)
        assert (faces[0].landmarks[:, 0] > left).all() and (faces[0].landmarks[:, 0] < right).all()
        areas = [(f.box[2] - f.box[0]) * (f.box[3] - f.box[1]) for f in faces]
        assert areas == sorted(areas, reverse=True)


@pytest.mark.parametrize("image_size", [64, 128, 224])
def test_alignment_puts_landmarks_on_the_template(photos, image_size):
    for photo in photos:
        landmarks = detect_faces(photo)[0].landmarks
        aligned = align_face(photo, landmarks, image_size)
        assert aligned.crop.shape == (image_size, image_size, 3)
        assert aligned.crop.dtype == np.uint8
        error = np.linalg.norm(
            transform_points(landmarks, aligned.matrix) - TEMPLATE_5 * image_size, axis=1
        )
        assert error.mean() < 0.03 * image_size


def test_alignment_is_deterministic(photos):
    landmarks = detect_faces(photos[0])[0].landmarks
    first, second = align_face(photos[0], landmarks, 128), align_face(photos[0], landmarks, 128)
    assert np.array_equal(first.crop, second.crop)
    assert np.array_equal(first.matrix, second.matrix)


def test_paste_back_restores_the_photo(photos):
    photo = photos[0]
    size = 224
    aligned = align_face(photo, detect_faces(photo)[0].landmarks, size)
    restored = paste_back(photo, aligned.crop, aligned.matrix, feather=8)
    assert restored.shape == photo.shape and restored.dtype == np.uint8
    assert np.abs(restored.astype(np.int16) - photo.astype(np.int16)).mean() < 4.0

    edited = paste_back(photo, np.zeros_like(aligned.crop), aligned.matrix, feather=8)
    nose = transform_points(TEMPLATE_5[4:] * size, cv2.invertAffineTransform(aligned.matrix))
    x, y = np.rint(nose[0]).astype(int)
    assert edited[y, x].max() == 0
    height, width = photo.shape[:2]
    corners = np.array([[0, 0], [width - 1, 0], [0, height - 1], [width - 1, height - 1]])
    in_crop = transform_points(corners, aligned.matrix)
    outside = ((in_crop < -1) | (in_crop > size)).any(axis=1)
    assert outside.any()
    for x, y in corners[outside]:
        assert np.array_equal(edited[y, x], photo[y, x])
