"""Identity-disjoint train/test splits: people in the test split never appear in training."""

import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np


@dataclass(frozen=True)
class IdentitySplit:
    """Sorted identity names of each split; the two never share a person."""

    train: tuple[str, ...]
    test: tuple[str, ...]

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps({"train": self.train, "test": self.test}, indent=1))

    @classmethod
    def load(cls, path: Path) -> "IdentitySplit":
        lists = json.loads(path.read_text())
        return cls(tuple(lists["train"]), tuple(lists["test"]))


def split_identities(
    identities: Iterable[str], test_fraction: float = 0.2, seed: int = 0
) -> IdentitySplit:
    """Shuffle the distinct identities with the seed and hold out test_fraction of them.

    The result depends only on the set of identities and the seed, not on their order.
    """
    people = np.array(sorted(set(identities)), dtype=str)
    if len(people) < 2:
        raise ValueError("need at least two identities to split")
    num_test = min(len(people) - 1, max(1, round(test_fraction * len(people))))
    order = np.random.default_rng(seed).permutation(len(people))
    test = sorted(people[order[:num_test]].tolist())
    train = sorted(people[order[num_test:]].tolist())
    return IdentitySplit(tuple(train), tuple(test))


def folder_split(data_root: Path, test_fraction: float = 0.2, seed: int = 0) -> IdentitySplit:
    """split_identities over the `<identity>/` folders of a photo folder (training and evaluation
    call this with the same arguments to get the same people)."""
    people = [path.name for path in data_root.iterdir() if path.is_dir()]
    return split_identities(people, test_fraction, seed)
