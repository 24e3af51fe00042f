"""Retrieval of the true person from hand-built reference faces (no model): the rows of the
benches that ask how far a recovery could go (bench/retrieval_ceiling.py,
bench/source_references.py)."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import torch

from dfrec.evaluation.aggregate import FeatureCache, Galleries, identity_metrics


def reference_rows(
    synthesizer: str,
    faces: dict[str, torch.Tensor],
    true: torch.Tensor,
    true_people: np.ndarray,
    excluded_rows: np.ndarray,
    references: FeatureCache,
    galleries: Galleries,
) -> Iterator[str]:
    """One markdown row per named reference face set: | synthesizer | name | judge top-1 |
    judge top-5 | FaceNet top-1 |. faces: name -> (N, 3, S, S); true: (N, 3, S, S) the true
    faces; true_people: (N,); excluded_rows: (N, K) gallery rows left out per query."""
    for name, images in faces.items():
        row = identity_metrics(
            images.float().contiguous(),
            true,
            true_people,
            excluded_rows,
            FeatureCache(),
            references,
            galleries,
            judge=True,
        )
        yield (
            f"| {synthesizer} | {name} | {100 * row['judge_top1']:.1f} % | "
            f"{100 * row['judge_top5']:.1f} % | {100 * row['facenet_top1']:.1f} % |"
        )
