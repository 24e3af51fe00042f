"""Face detection within a pixel budget: a large photo is searched on a small copy first, on a
larger one only when the small one holds no face, boxes come back in photo pixels, and the
upsampled retry never exceeds the budget."""

import time
from pathlib import Path

import cv2
import numpy as np
import pytest
from photos import group_photo

from worker.detection import DetectionBudget, detect_faces_within, working_copy

pytestmark = pytest.mark.data


def test_working_copy_fits_the_budget() -> None:
    photo = np.zeros((3000, 4000, 3), np.uint8)
    copy, scale = working_copy(photo, 1_000_000)
    assert copy.shape[0] * copy.shape[1] <= 1_000_000 and scale == pytest.approx(12**-0.5, abs=0.01)
    small = np.zeros((100, 100, 3), np.uint8)
    assert working_copy(small, 1_000_000)[1] == 1.0


def test_large_photo_is_searched_on_a_copy_and_boxes_map_back(celeba_root: Path) -> None:
    photo = np.asarray(group_photo(celeba_root))
    height, width = photo.shape[:2]
    budget = height * width
    large = cv2.resize(photo, (width * 3, height * 3), interpolation=cv2.INTER_CUBIC)
    at_size = detect_faces_within(photo, DetectionBudget(budget, budget))
    started = time.perf_counter()
    scaled = detect_faces_within(large, DetectionBudget(budget, budget))
    seconds = time.perf_counter() - started
    assert len(scaled) == len(at_size) == 3
    for small, big in zip(at_size, scaled, strict=True):
        assert np.allclose(np.array(big.box) / 3, small.box, atol=4)
        assert big.landmarks.shape == (5, 2)
    assert seconds < 5, f"{seconds:.1f} s for a 9x photo"


def test_blank_photo_costs_one_pass_at_each_budget() -> None:
    """Nothing found: the small copy, then the large one, and no upsampled retry (it would be
    4x the budget)."""
    blank = np.full((4000, 4000, 3), 127, np.uint8)
    started = time.perf_counter()
    assert detect_faces_within(blank, DetectionBudget(250_000, 1_000_000)) == []
    assert time.perf_counter() - started < 3


def test_the_passes_skip_a_copy_that_would_repeat_the_previous_size() -> None:
    budget = DetectionBudget(first_pixels=500_000, max_pixels=2_000_000)
    assert budget.passes(12_000_000) == [500_000, 2_000_000]
    assert budget.passes(1_000_000) == [500_000, 2_000_000]  # the photo itself, second
    assert budget.passes(300_000) == [500_000]  # within the first budget: one pass
    assert DetectionBudget(3_000_000, 2_000_000).passes(12_000_000) == [2_000_000]


def test_small_faces_are_found_on_the_larger_copy(celeba_root: Path) -> None:
    """A group photo shrunk so its faces are below HOG's window in the small copy: found on the
    second, larger copy."""
    photo = np.asarray(group_photo(celeba_root))
    height, width = photo.shape[:2]
    faces = detect_faces_within(photo, DetectionBudget(height * width, height * width))
    small_copy = detect_faces_within(
        photo, DetectionBudget(height * width // 16, height * width // 16)
    )
    two_passes = detect_faces_within(photo, DetectionBudget(height * width // 16, height * width))
    assert small_copy == [] and len(faces) == 3
    assert [face.box for face in two_passes] == [face.box for face in faces]
