"""Retrieval of the true person from hand-built or altered faces: the tables of the benches that
ask how far a recovery could go (bench/retrieval_ceiling.py, bench/source_references.py,
bench/landmark_sources.py, bench/lighting_transfer.py, bench/mask_gain.py,
bench/landmark_caricature.py, bench/mesh_landmarks.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

import numpy as np
import torch

from dfrec.evaluation.aggregate import FeatureCache, Galleries, build_galleries, identity_metrics
from dfrec.evaluation.samples import SYNTHESIZERS, SampleSet, TestData, load_test_data
from dfrec.training.config import DEFAULT_DATA_ROOT
from dfrec.training.figures import save_recovery_grid


class JudgedTestData(NamedTuple):
    """The evaluation's fixed samples and the gallery features both recognizers retrieve from."""

    data: TestData
    references: FeatureCache
    galleries: Galleries


def judged_test_data(
    image_size: int, count: int, people: str = "test", synthesizers: tuple[str, ...] = SYNTHESIZERS
) -> JudgedTestData:
    """`count` fakes of each synthesizer (and pristine faces) of `people` ("test" or "train")
    with their gallery."""
    data = load_test_data(
        DEFAULT_DATA_ROOT, image_size, count, people=people, synthesizers=synthesizers
    )
    references = FeatureCache()
    galleries = build_galleries(
        data.gallery_images, data.gallery_people, data.gallery_rows, references, judge=True
    )
    return JudgedTestData(data, references, galleries)


def table_header(side: str, title: str) -> str:
    """The two markdown header lines of `reference_rows`' table for `side` ("source" or
    "target"); title names the second column."""
    short = {"source": "src", "target": "tgt"}[side]
    return (
        f"| synthesizer | {title} | top-1 {short} (dlib) | top-5 {short} (dlib) | "
        f"top-1 {short} (FaceNet) |\n|---|---|---|---|---|"
    )


def leak_table(title: str, lines: list[str]) -> str:
    """reference_rows' "source" rows of recovered targets (lines) under their header, title
    naming the second column: how often each names the forgery's source instead."""
    header = "The source retrieved from the recovered target (lower: less leak)"
    return "\n".join(["", header, "", table_header("source", title), *lines])


class RecoveryFigure:
    """The first `rows` faces of each named set, per synthesizer, beside the fake, the true
    target and the source: one grid image (save_recovery_grid) for a bench's --figure."""

    def __init__(self, rows: int) -> None:
        self.rows = rows
        self.columns: dict[str, list[torch.Tensor]] = {}

    def add(self, truth: SampleSet, faces: dict[str, torch.Tensor]) -> None:
        """faces: name -> (N, 3, S, S) made from truth's fakes."""
        shown = {"fake": truth.fake, **faces, "true target": truth.target, "source": truth.source}
        for name, images in shown.items():
            self.columns.setdefault(name, []).append(images[: self.rows])

    def save(self, path: Path) -> Path:
        grid = {name: torch.cat(parts) for name, parts in self.columns.items()}
        return save_recovery_grid(grid, path)


def reference_rows(
    truth: SampleSet,
    side: str,
    faces: dict[str, torch.Tensor],
    references: FeatureCache,
    galleries: Galleries,
    queries: FeatureCache | None = None,
) -> Iterator[str]:
    """One markdown row per named reference face set: | kind | name | judge top-1 | judge top-5 |
    FaceNet top-1 |, retrieving the true `side` ("source" or "target") person of each sample of
    truth; the two photos the forgery was made from are left out of the gallery, as in the
    evaluation. faces: name -> (N, 3, S, S); queries: where their features are kept, so that
    asking for the other side of the same faces describes them once."""
    excluded = np.stack([truth.source_rows, truth.target_rows], axis=1)
    true, true_people = getattr(truth, side), getattr(truth, f"{side}_people")
    queries = FeatureCache() if queries is None else queries
    for name, images in faces.items():
        row = identity_metrics(
            images.float().contiguous(),
            true,
            true_people,
            excluded,
            queries,
            references,
            galleries,
            judge=True,
        )
        yield (
            f"| {truth.kind} | {name} | {100 * row['judge_top1']:.1f} % | "
            f"{100 * row['judge_top5']:.1f} % | {100 * row['facenet_top1']:.1f} % |"
        )
