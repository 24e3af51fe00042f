"""The landmark caricature bench/landmark_caricature.py measures: the similarity fit of the mean
shape and the exaggerated departure."""

import math

import torch
from parity import moved_landmarks

from dfrec.data.align import template_landmarks
from dfrec.evaluation.caricature import caricature, fitted_mean_shape

SIZE = 64


def similar(points: torch.Tensor, scale: float, angle: float, shift: tuple) -> torch.Tensor:
    """points (P, 2) scaled, turned by angle (radians) about the origin and shifted."""
    turn = torch.tensor([[math.cos(angle), -math.sin(angle)], [math.sin(angle), math.cos(angle)]])
    return scale * points @ turn.T + torch.tensor(shift)


def test_fit_finds_a_similarity_of_the_mean_shape_exactly() -> None:
    """A face that is the mean shape scaled, turned and moved has no departure from it: the fit
    lands on it and any caricature leaves it where it is."""
    mean_shape = torch.from_numpy(template_landmarks(SIZE))
    face = similar(mean_shape, 0.9, 0.2, (3.0, -2.0))[None]
    assert torch.allclose(fitted_mean_shape(face, mean_shape), face, atol=1e-3)
    assert torch.allclose(caricature(face, mean_shape, 2.0), face, atol=1e-3)


def test_caricature_scales_the_departure_and_keeps_the_fit() -> None:
    """The fit is linear in the points, so exaggerating the departure does not move the fitted
    mean: the caricature's departure is factor times the face's."""
    mean_shape = torch.from_numpy(template_landmarks(SIZE))
    faces = torch.from_numpy(moved_landmarks(SIZE, 1))[None]
    faces = torch.cat([faces, similar(faces[0], 1.1, -0.1, (1.0, 2.0))[None]])
    fitted = fitted_mean_shape(faces, mean_shape)
    departure = faces - fitted
    assert departure.abs().max() > 0.5  # the moved landmarks are not a similar mean shape
    for factor in (0.5, 1.0, 2.0):
        moved = caricature(faces, mean_shape, factor)
        assert torch.allclose(fitted_mean_shape(moved, mean_shape), fitted, atol=1e-3)
        assert torch.allclose(moved - fitted, factor * departure, atol=1e-3)
    assert torch.allclose(caricature(faces, mean_shape, 1.0), faces, atol=1e-4)
