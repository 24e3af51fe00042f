"""Identity retrieval, tight crops and mask metrics: a perfect recovery ranks first, a random
face does not, the forgery's own photos are left out, masks score as IoU and area."""

import numpy as np
import pytest
import torch

from dfrec.data.face_box import tight_crop
from dfrec.evaluation.identity import (
    Gallery,
    identity_ranks,
    mask_area,
    mask_iou,
    person_scores,
    top_k_rate,
    unit_rows,
)

PEOPLE, PHOTOS, DIMENSION = 8, 4, 32


@pytest.fixture
def gallery() -> Gallery:
    """PEOPLE clusters of PHOTOS descriptors each, tight around one random centre per person."""
    rng = np.random.default_rng(0)
    centres = rng.normal(size=(PEOPLE, DIMENSION))
    descriptors = np.repeat(centres, PHOTOS, axis=0) + 0.2 * rng.normal(
        size=(PEOPLE * PHOTOS, DIMENSION)
    )
    identities = np.repeat(np.array([f"p{i}" for i in range(PEOPLE)]), PHOTOS)
    return Gallery(unit_rows(descriptors), identities, np.arange(PEOPLE * PHOTOS))


def test_person_scores_average_the_photos_left_and_rank_like_identity_ranks(gallery):
    """A person's score is the mean cosine over their photos not excluded; a person with every
    photo excluded scores -inf; the best score is the person identity_ranks puts first."""
    queries = gallery.descriptors[[1, 5]]
    excluded = np.array([[0, 1], [4, 5]])  # each query's own photo and one more of its person
    scores = person_scores(queries, excluded, gallery)
    assert scores.shape == (2, PEOPLE)
    left = gallery.descriptors[2:4] @ queries[0]
    assert scores[0, 0] == pytest.approx(left.mean(), abs=1e-6)
    everything = np.arange(PHOTOS, 2 * PHOTOS)  # every photo of person 1
    assert np.isneginf(person_scores(queries[1:], everything[None], gallery)[0, 1])
    ranks = identity_ranks(queries, gallery.identities[[1, 5]], excluded, gallery)
    assert ranks.tolist() == [1, 1] and scores.argmax(axis=1).tolist() == [0, 1]


def test_a_perfect_recovery_ranks_first_even_with_its_own_photo_left_out(gallery):
    rows = np.arange(0, PEOPLE * PHOTOS, PHOTOS)  # the first photo of every person
    ranks = identity_ranks(
        gallery.descriptors[rows], gallery.identities[rows], rows[:, None], gallery
    )
    assert ranks.tolist() == [1] * PEOPLE
    assert top_k_rate(ranks, 1) == 1.0


def test_a_random_face_does_not_rank_first(gallery):
    rng = np.random.default_rng(1)
    queries = rng.normal(size=(200, DIMENSION))
    people = gallery.identities[rng.integers(len(gallery.identities), size=200)]
    ranks = identity_ranks(queries, people, np.full((200, 1), -1), gallery)
    assert 0.0 < top_k_rate(ranks, 1) < 0.3  # chance is 1 / 8
    assert ranks.min() >= 1 and ranks.max() <= PEOPLE
    assert top_k_rate(ranks, 5) > top_k_rate(ranks, 1)


def test_the_forgerys_photos_are_left_out_of_the_gallery():
    # Person a: the query's own photo (cosine 1) and one at cosine 0.8; person b: one at 0.85.
    descriptors = unit_rows(np.array([[1.0, 0.0, 0.0], [0.8, 0.6, 0.0], [0.85, 0.0, 0.527]]))
    gallery = Gallery(descriptors, np.array(["a", "a", "b"]), np.array([10, 11, 12]))
    query = descriptors[:1]
    kept = identity_ranks(query, np.array(["a"]), np.array([[99]]), gallery)
    left_out = identity_ranks(query, np.array(["a"]), np.array([[10]]), gallery)
    assert kept.tolist() == [1] and left_out.tolist() == [2]


def test_a_person_without_a_photo_left_is_an_error():
    gallery = Gallery(unit_rows(np.eye(2)), np.array(["a", "b"]), np.array([0, 1]))
    with pytest.raises(ValueError, match="no gallery photo left"):
        identity_ranks(unit_rows(np.eye(2))[:1], np.array(["a"]), np.array([[0]]), gallery)


def test_tight_crop_is_the_central_face_box():
    images = torch.zeros(2, 3, 128, 128)
    images[..., 24:103, 24:103] = 1.0
    crop = tight_crop(images)
    assert crop.shape == (2, 3, 79, 79)
    assert crop.min() == 1.0


def test_mask_iou_and_area():
    true = torch.zeros(3, 1, 8, 8)
    true[:, :, :4] = 1.0
    predicted = torch.zeros(3, 1, 8, 8)
    predicted[0, :, :4] = 0.9  # the same region
    predicted[1, :, 4:] = 0.9  # the other half
    # row 2: nothing predicted
    assert mask_iou(predicted, true).tolist() == [1.0, 0.0, 0.0]
    assert mask_iou(torch.zeros(1, 1, 4, 4), torch.zeros(1, 1, 4, 4)).tolist() == [1.0]
    assert mask_area(predicted).tolist() == [0.5, 0.5, 0.0]


def test_a_gallery_is_described_once_per_process_and_again_when_its_photos_change():
    from dfrec.evaluation.aggregate import FeatureCache, build_galleries

    class CountingCache(FeatureCache):
        calls = 0

        def tight_embedding(self, images):
            CountingCache.calls += 1
            return super().tight_embedding(images)

    images = torch.rand(3, 3, 64, 64, generator=torch.Generator().manual_seed(11))
    people, rows = np.array(["a", "b", "c"]), np.array([0, 1, 2])
    first = build_galleries(images, people, rows, CountingCache(), judge=False)
    again = build_galleries(images.clone(), people, rows.copy(), CountingCache(), judge=False)
    assert again is first and CountingCache.calls == 1
    changed = images.clone()
    changed[0, :, 24:40, 24:40] = 0.0  # inside the tight face box
    other = build_galleries(changed, people, rows, CountingCache(), judge=False)
    assert CountingCache.calls == 2 and other.facenet.descriptors.shape == (3, 512)
    assert not np.array_equal(other.facenet.descriptors, first.facenet.descriptors)
