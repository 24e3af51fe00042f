"""The fixed test samples: forgeries and pristine faces of the held-out identities only."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import torch
from tqdm import tqdm

from dfrec.data.dataset import SyntheticForgeries
from dfrec.data.faces import AlignedFaces
from dfrec.data.prepare import prepare_cache
from dfrec.data.splits import folder_split

# Seeds of the evaluation sets: fixed, and different from training (0) and its previews (1).
SET_SEEDS = {"swap": 1001, "blend": 1002, "pristine": 1003}
SYNTHESIZERS = ("swap", "blend")
TEST_FRACTION, SPLIT_SEED = 0.2, 0  # the split training uses (dfrec.training.config)


@dataclass(frozen=True)
class SampleSet:
    """N samples of one kind. fake, source, target: (N, 3, S, S); mask: (N, 1, S, S); all
    float32 in [0, 1]. For pristine samples fake = source = target and the mask is empty."""

    kind: str
    fake: torch.Tensor
    source: torch.Tensor
    target: torch.Tensor
    mask: torch.Tensor

    def __len__(self) -> int:
        return self.fake.shape[0]


def build_set(
    faces: AlignedFaces, identities: tuple[str, ...], kind: str, count: int, progress: bool = True
) -> SampleSet:
    """`count` samples of one kind ("swap", "blend" or "pristine"), fixed by SET_SEEDS[kind]."""
    dataset = SyntheticForgeries(faces, identities, count, mix={kind: 1.0}, seed=SET_SEEDS[kind])
    items = [dataset[i] for i in tqdm(range(count), desc=f"{kind} samples", disable=not progress)]
    return SampleSet(
        kind=kind,
        **{key: torch.stack([item[key] for item in items]) for key in SAMPLE_KEYS},
    )


SAMPLE_KEYS = ("fake", "source", "target", "mask")


def load_test_sets(
    data_root: Path, image_size: int, count: int, progress: bool = True
) -> dict[str, SampleSet]:
    """{"swap", "blend", "pristine"} -> `count` samples each from the test identities of
    folder_split(data_root, 0.2, 0), on the aligned-face cache at image_size."""
    if count < 1:
        raise ValueError(f"need at least one sample per set, got {count}")
    faces = AlignedFaces.load(prepare_cache(data_root, image_size))
    test = folder_split(data_root, TEST_FRACTION, SPLIT_SEED).test
    return {kind: build_set(faces, test, kind, count, progress) for kind in SET_SEEDS}
