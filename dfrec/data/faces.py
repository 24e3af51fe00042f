"""The cached aligned faces of a photo folder: one .npz with crops, landmarks and identities."""

from dataclasses import dataclass
from pathlib import Path

import numpy as np


@dataclass(frozen=True)
class AlignedFaces:
    """N aligned faces at one crop size S, all coordinates in crop pixels (x, y).

    crops: (N, S, S, 3) uint8 RGB; landmarks_5: (N, 5, 2) float32; landmarks_68: (N, 68, 2)
    float32; matrices: (N, 2, 3) float64 photo-to-crop; identities, files: (N,) str;
    num_skipped: photos of the folder where no face was found.
    """

    crops: np.ndarray
    landmarks_5: np.ndarray
    landmarks_68: np.ndarray
    matrices: np.ndarray
    identities: np.ndarray
    files: np.ndarray
    num_skipped: int

    @property
    def image_size(self) -> int:
        return int(self.crops.shape[1])

    def __len__(self) -> int:
        return len(self.crops)

    def indices_of(self, identities: list[str]) -> np.ndarray:
        """Row numbers (M,) int64 of the faces belonging to the given people."""
        return np.flatnonzero(np.isin(self.identities, list(identities)))

    @classmethod
    def concatenate(cls, first: "AlignedFaces", second: "AlignedFaces") -> "AlignedFaces":
        """The faces of both (same crop size), first's rows first."""
        if first.image_size != second.image_size:
            raise ValueError(
                f"cannot join {first.image_size} px and {second.image_size} px aligned faces"
            )
        return cls(
            **{
                name: np.concatenate([getattr(first, name), getattr(second, name)])
                for name in ("crops", "landmarks_5", "landmarks_68", "matrices")
            },
            identities=np.concatenate([first.identities, second.identities]),
            files=np.concatenate([first.files, second.files]),
            num_skipped=first.num_skipped + second.num_skipped,
        )

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_suffix(".tmp.npz")
        np.savez(
            temporary,
            crops=self.crops,
            landmarks_5=self.landmarks_5,
            landmarks_68=self.landmarks_68,
            matrices=self.matrices,
            identities=self.identities,
            files=self.files,
            num_skipped=np.array(self.num_skipped),
        )
        temporary.replace(path)

    @classmethod
    def load(cls, path: Path) -> "AlignedFaces":
        with np.load(path) as archive:
            return cls(
                crops=archive["crops"],
                landmarks_5=archive["landmarks_5"],
                landmarks_68=archive["landmarks_68"],
                matrices=archive["matrices"],
                identities=archive["identities"],
                files=archive["files"],
                num_skipped=int(archive["num_skipped"]),
            )
