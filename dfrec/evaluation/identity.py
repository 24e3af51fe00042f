"""Who is this? Identity retrieval against a gallery of test people, tight face crops, and the
quality of the ISM mask.

Retrieval answers the forensic question directly: a recovered face is a query, every photo of
every test person is in the gallery, and the rank of the true person is reported (top-1 /
top-5). The photos that went into a forgery (its source and target photos) are left out of the
gallery for that query, so a recovery cannot score by copying pixels of the very photo it is
compared with.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch


@dataclass(frozen=True)
class Gallery:
    """Unit-length descriptors of the gallery photos. descriptors: (M, D); identities, rows:
    (M,) the person and the face-cache row of each photo."""

    descriptors: np.ndarray
    identities: np.ndarray
    rows: np.ndarray

    @property
    def people(self) -> np.ndarray:
        """Sorted distinct identities (P,)."""
        return np.unique(self.identities)


def unit_rows(descriptors: np.ndarray | torch.Tensor) -> np.ndarray:
    """(N, D) -> (N, D) float64 with unit-length rows."""
    values = np.asarray(descriptors, dtype=np.float64)
    return values / np.linalg.norm(values, axis=1, keepdims=True).clip(min=1e-12)


def person_scores(queries: np.ndarray, excluded_rows: np.ndarray, gallery: Gallery) -> np.ndarray:
    """Each gallery person's score for each query: the mean cosine over their photos left
    after excluded_rows (N, K) face-cache rows; -inf for a person with none left.

    queries: (N, D) descriptors. Returns (N, P), P = len(gallery.people).
    """
    similarity = unit_rows(queries) @ gallery.descriptors.T  # (N, M)
    usable = ~(gallery.rows[None, None, :] == excluded_rows[:, :, None]).any(axis=1)  # (N, M)
    membership = gallery.identities[None, :] == gallery.people[:, None]  # (P, M)
    scores = np.empty((len(queries), len(membership)))
    for index, (row, keep) in enumerate(zip(similarity, usable, strict=True)):
        counts = (membership & keep).sum(axis=1)
        sums = (membership * (row * keep)).sum(axis=1)
        scores[index] = np.where(counts > 0, sums / counts.clip(min=1), -np.inf)
    return scores


def identity_ranks(
    queries: np.ndarray,
    true_identities: np.ndarray,
    excluded_rows: np.ndarray,
    gallery: Gallery,
) -> np.ndarray:
    """Rank (1 = best) of the true person for each query among all gallery people.

    queries: (N, D) descriptors; true_identities: (N,); excluded_rows: (N, K) face-cache rows
    left out of the gallery for that query. A person's score is the mean cosine over their
    remaining photos; ties count against the true person. Returns (N,) int64.
    """
    people = gallery.people
    ranks = np.empty(len(queries), np.int64)
    for index, (per_person, person) in enumerate(
        zip(person_scores(queries, excluded_rows, gallery), true_identities, strict=True)
    ):
        true_score = per_person[people == person]
        if true_score.size == 0 or not np.isfinite(true_score[0]):
            raise ValueError(f"person {person!r} has no gallery photo left for query {index}")
        ranks[index] = int((per_person >= true_score[0]).sum())
    return ranks


def top_k_rate(ranks: np.ndarray, k: int) -> float:
    """Share of queries whose true person ranks within the first k. (N,) -> float."""
    return float((np.asarray(ranks) <= k).mean())


def mask_iou(predicted: torch.Tensor, true: torch.Tensor, threshold: float = 0.5) -> torch.Tensor:
    """IoU of the thresholded masks, per image. (B, 1, H, W) in [0, 1] x 2 -> (B,); 1 when both
    are empty."""
    predicted_region = predicted > threshold
    true_region = true > threshold
    intersection = (predicted_region & true_region).flatten(1).sum(dim=1).float()
    union = (predicted_region | true_region).flatten(1).sum(dim=1).float()
    return torch.where(union > 0, intersection / union.clamp(min=1), torch.ones_like(union))


def mask_area(mask: torch.Tensor, threshold: float = 0.5) -> torch.Tensor:
    """Share of pixels above threshold, per image. (B, 1, H, W) -> (B,)."""
    return (mask > threshold).flatten(1).float().mean(dim=1)
