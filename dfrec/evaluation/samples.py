"""The fixed test samples: forgeries and pristine faces of the held-out identities only."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from tqdm import tqdm

from dfrec.data.dataset import SyntheticForgeries
from dfrec.data.faces import AlignedFaces
from dfrec.data.prepare import prepare_cache
from dfrec.data.splits import folder_split
from dfrec.data.synth import HELD_OUT_SYNTHESIZERS, SYNTHESIZERS

# Seeds of the evaluation sets: fixed, and different from training (0) and its previews (1).
SET_SEEDS = {
    "swap": 1001,
    "blend": 1002,
    "pristine": 1003,
    "lowres_swap": 1004,
    "ellipse_swap": 1005,
    "similarity_swap": 1006,
}
TEST_FRACTION, SPLIT_SEED = 0.2, 0  # the split training uses (dfrec.training.config)


@dataclass(frozen=True)
class SampleSet:
    """N samples of one kind. fake, source, target: (N, 3, S, S); mask: (N, 1, S, S); all
    float32 in [0, 1]. For pristine samples fake = source = target and the mask is empty.
    source_rows, target_rows: (N,) face-cache rows of the photos each sample was made from;
    source_people, target_people: (N,) their identities."""

    kind: str
    fake: torch.Tensor
    source: torch.Tensor
    target: torch.Tensor
    mask: torch.Tensor
    source_rows: np.ndarray
    target_rows: np.ndarray
    source_people: np.ndarray
    target_people: np.ndarray

    def __len__(self) -> int:
        return self.fake.shape[0]


def build_set(
    faces: AlignedFaces, identities: tuple[str, ...], kind: str, count: int, progress: bool = True
) -> SampleSet:
    """`count` samples of one kind (a key of SET_SEEDS), fixed by SET_SEEDS[kind]."""
    dataset = SyntheticForgeries(faces, identities, count, mix={kind: 1.0}, seed=SET_SEEDS[kind])
    items = [dataset[i] for i in tqdm(range(count), desc=f"{kind} samples", disable=not progress)]
    pairs = [dataset.pair(i) for i in range(count)]
    source_rows = np.array([source for _, source, _ in pairs], np.int64)
    target_rows = np.array([target for _, _, target in pairs], np.int64)
    return SampleSet(
        kind=kind,
        **{key: torch.stack([item[key] for item in items]) for key in SAMPLE_KEYS},
        source_rows=source_rows,
        target_rows=target_rows,
        source_people=faces.identities[source_rows],
        target_people=faces.identities[target_rows],
    )


SAMPLE_KEYS = ("fake", "source", "target", "mask")
PEOPLE = ("test", "train")
MIN_PHOTOS_PER_PERSON = 2


@dataclass(frozen=True)
class TestData:
    """The fixed sample sets and every aligned photo of the test people (the gallery)."""

    sets: dict[str, SampleSet]
    gallery_images: torch.Tensor  # (M, 3, S, S) float32 in [0, 1]
    gallery_people: np.ndarray  # (M,)
    gallery_rows: np.ndarray  # (M,) face-cache rows


def load_test_data(
    data_root: Path,
    image_size: int,
    count: int,
    progress: bool = True,
    people: str = "test",
    synthesizers: tuple[str, ...] = SYNTHESIZERS,
) -> TestData:
    """{each synthesizer, "pristine"} -> `count` samples each from the test identities of
    folder_split(data_root, 0.2, 0), on the aligned-face cache at image_size, plus the gallery of
    all their photos. people="train" builds the same sets from the training identities instead:
    a validation set for choices that no network learns (a bench's, never the evaluation's)."""
    if count < 1:
        raise ValueError(f"need at least one sample per set, got {count}")
    if people not in PEOPLE:
        raise ValueError(f"people must be one of {PEOPLE}, got {people!r}")
    unknown = set(synthesizers) - set(SYNTHESIZERS + HELD_OUT_SYNTHESIZERS)
    if unknown or not synthesizers:
        raise ValueError(f"synthesizers must be some of {SYNTHESIZERS + HELD_OUT_SYNTHESIZERS}")
    faces = AlignedFaces.load(prepare_cache(data_root, image_size))
    split = folder_split(data_root, TEST_FRACTION, SPLIT_SEED)
    rows = faces.indices_of(list(split.test if people == "test" else split.train))
    people, photos = np.unique(faces.identities[rows], return_counts=True)
    # A forgery's photos are left out of the gallery: its people need a second photo there.
    retrievable = tuple(people[photos >= MIN_PHOTOS_PER_PERSON].tolist())
    return TestData(
        sets={
            kind: build_set(faces, retrievable, kind, count, progress)
            for kind in (*synthesizers, "pristine")
        },
        gallery_images=torch.from_numpy(faces.crops[rows]).permute(0, 3, 1, 2).float() / 255.0,
        gallery_people=faces.identities[rows],
        gallery_rows=rows,
    )
