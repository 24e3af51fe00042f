"""Whom a wild fake, and the faces DFREC recovers from it, look like to the dlib judge: the
fake's true source (the person pasted in) or its true target (the photo that was edited)."""

from __future__ import annotations

import numpy as np
import torch
from tqdm import tqdm

from dfrec.evaluation.wild_metrics import OVERALL, Row, mean_or_none
from dfrec.pretrained.dlib_judge import (
    DESCRIPTOR_SIZE,
    descriptor_cosine,
    load_dlib_judge,
    same_person,
)

QUERIES = ("None", "recovered target", "recovered source")  # "None": the fake itself


def describe(images: torch.Tensor, chunk_size: int = 16, progress: bool = True) -> np.ndarray:
    """dlib descriptors of aligned crops, in chunks. (N, 3, S, S) in [0, 1] -> (N, 128)."""
    judge = load_dlib_judge()
    parts = [np.zeros((0, DESCRIPTOR_SIZE))]
    chunks = images.split(chunk_size)
    for chunk in tqdm(chunks, desc="dlib judge", unit="chunk", disable=not progress):
        parts.append(judge.descriptors(chunk))
    return np.concatenate(parts)


def identity_row(queries: np.ndarray, sources: np.ndarray, targets: np.ndarray) -> Row:
    """Queries vs the true source and target of each fake, all (K, 128) descriptors:
    the share judged the same person (dlib's distance < 0.6) and the mean cosine, for each, and
    the forced choice: the share closer (by cosine) to the source, and to the target."""
    to_source = descriptor_cosine(queries, sources)
    to_target = descriptor_cosine(queries, targets)
    return {
        "pairs": len(queries),
        "same_as_source": mean_or_none(same_person(queries, sources)),
        "cosine_source": mean_or_none(to_source),
        "same_as_target": mean_or_none(same_person(queries, targets)),
        "cosine_target": mean_or_none(to_target),
        "names_source": mean_or_none(to_source > to_target),
        "names_target": mean_or_none(to_target > to_source),
    }


def identity_table(
    queries: dict[str, np.ndarray], sources: np.ndarray, targets: np.ndarray, tools: np.ndarray
) -> list[Row]:
    """identity_row per tool (in order of first appearance), then OVERALL, per query kind.
    queries: kind (QUERIES) -> (K, 128); sources, targets: (K, 128); tools: (K,) str."""
    rows = []
    for tool in [*dict.fromkeys(tools.tolist()), OVERALL]:
        chosen = np.ones(len(tools), bool) if tool == OVERALL else tools == tool
        for kind, described in queries.items():
            row = identity_row(described[chosen], sources[chosen], targets[chosen])
            rows.append({"tool": tool, "query": kind, **row})
    return rows
