"""Retrieval of the true person from hand-built reference faces (no model): the rows of the
benches that ask how far a recovery could go (bench/retrieval_ceiling.py,
bench/source_references.py)."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import torch

from dfrec.evaluation.aggregate import FeatureCache, Galleries, identity_metrics
from dfrec.evaluation.samples import SampleSet


def reference_rows(
    truth: SampleSet,
    side: str,
    faces: dict[str, torch.Tensor],
    references: FeatureCache,
    galleries: Galleries,
) -> Iterator[str]:
    """One markdown row per named reference face set: | kind | name | judge top-1 | judge top-5 |
    FaceNet top-1 |, retrieving the true `side` ("source" or "target") person of each sample of
    truth; the two photos the forgery was made from are left out of the gallery, as in the
    evaluation. faces: name -> (N, 3, S, S)."""
    excluded = np.stack([truth.source_rows, truth.target_rows], axis=1)
    true, true_people = getattr(truth, side), getattr(truth, f"{side}_people")
    for name, images in faces.items():
        row = identity_metrics(
            images.float().contiguous(),
            true,
            true_people,
            excluded,
            FeatureCache(),
            references,
            galleries,
            judge=True,
        )
        yield (
            f"| {truth.kind} | {name} | {100 * row['judge_top1']:.1f} % | "
            f"{100 * row['judge_top5']:.1f} % | {100 * row['facenet_top1']:.1f} % |"
        )
