"""The landmark caricature: the similarity fit of the mean shape, the exaggerated departure, and
the TIRM's prior drawn on it."""

import dataclasses
import math

import pytest
import torch
from parity import moved_landmarks

from dfrec.data.align import template_landmarks
from dfrec.models.caricature import caricature, fitted_mean_shape
from dfrec.models.tirm import TIRM
from dfrec.registry import create_config

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


def geometry_config(factor: float):
    config = create_config("tiny")
    return dataclasses.replace(
        config, tirm=dataclasses.replace(config.tirm, landmark_caricature=factor)
    )


def test_tirm_draws_its_prior_on_the_caricatured_landmarks() -> None:
    torch.manual_seed(0)
    plain = TIRM(geometry_config(1.0)).eval()
    exaggerating = TIRM(geometry_config(2.0)).eval()
    with torch.no_grad():
        plain.pixel_prior.normal_()
    exaggerating.load_state_dict(plain.state_dict())
    landmarks = torch.from_numpy(moved_landmarks(SIZE, 2))[None]
    mean_shape = torch.from_numpy(template_landmarks(SIZE))
    with torch.no_grad():
        drawn = exaggerating.prior_logits(landmarks)
        expected = plain.prior_logits(caricature(landmarks, mean_shape, 2.0))
        unexaggerated = plain.prior_logits(landmarks)
    assert torch.equal(drawn, expected)
    assert not torch.allclose(drawn, unexaggerated, atol=1e-2)
    assert torch.equal(exaggerating.prior_logits(None), plain.pixel_prior)


def test_caricature_needs_the_geometry_prior_and_a_positive_factor() -> None:
    tirm = create_config("tiny").tirm
    assert tirm.geometry_prior
    with pytest.raises(ValueError, match="needs geometry_prior"):
        dataclasses.replace(tirm, geometry_prior=False, landmark_caricature=2.0)
    with pytest.raises(ValueError, match="scales a departure"):
        dataclasses.replace(tirm, pixel_prior=True, geometry_prior=True, landmark_caricature=0.0)
