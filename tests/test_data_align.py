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


def test_paste_back_touches_only_the_faces_footprint():
    """A face pasted into a large photo changes only the box its crop lands on, and inside it
    matches a whole-photo inverse warp (within OpenCV's 1/32-pixel interpolation grid)."""
    height, width, size = 900, 1200, 64
    ys, xs = np.mgrid[0:height, 0:width]
    photo = np.stack([xs % 256, ys % 256, (xs + ys) % 256], axis=-1).astype(np.uint8)
    crop = cv2.GaussianBlur(
        np.random.default_rng(0).integers(0, 255, (size, size, 3), np.uint8), (0, 0), 2.0
    )
    angle, scale = 0.2, 0.25
    matrix = np.array(
        [[scale * np.cos(angle), -scale * np.sin(angle), -100.0],
         [scale * np.sin(angle), scale * np.cos(angle), -60.0]]
    )  # fmt: skip
    pasted = paste_back(photo, crop, matrix, feather=4)
    inverse = cv2.invertAffineTransform(matrix)
    corners = np.array([[0, 0], [size, 0], [0, size], [size, size]]) @ inverse[:, :2].T
    corners += inverse[:, 2]
    left, top = np.floor(corners.min(axis=0)).astype(int)
    right, bottom = np.ceil(corners.max(axis=0)).astype(int) + 1
    outside = np.ones((height, width), bool)
    outside[top:bottom, left:right] = False
    assert np.array_equal(pasted[outside], photo[outside])
    weight = np.zeros((size, size), np.float32)
    weight[4:-4, 4:-4] = 1.0
    weight = cv2.GaussianBlur(weight, (0, 0), sigmaX=2.0)
    full = cv2.warpAffine(crop, inverse, (width, height), flags=cv2.INTER_LINEAR)
    alpha = cv2.warpAffine(weight, inverse, (width, height), flags=cv2.INTER_LINEAR)[..., None]
    expected = np.rint(alpha * full + (1 - alpha) * photo).clip(0, 255)
    assert np.abs(pasted.astype(int) - expected.astype(int)).max() <= 3
