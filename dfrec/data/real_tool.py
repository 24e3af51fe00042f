"""Real tools' face swaps as training fakes: a folder of a swap tool's outputs, and a folder of
untouched tight face crops, both aligned exactly as the service aligns an uploaded photo (its
largest face, the default mirrored border), so that the border a tight crop gets is no cue.

A real tool's output has no ground-truth mask: its mask is the face hull (jaw and brows, the
region a swapper re-draws), feathered inside.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from tqdm import tqdm

from dfrec.data.align import crop_landmarks_68
from dfrec.data.faces import AlignedFaces
from dfrec.data.masks import swap_mask
from dfrec.data.prepare import DEFAULT_CACHE_DIR, list_photos
from dfrec.data.synth import Face, Forgery, channels_first, make_pristine, to_float
from dfrec.imageio import open_rgb

MASK_SIGMA_FRACTION = 1 / 64  # the mask's feather, as a share of the crop side


def align_like_service(folder: Path, image_size: int, progress: bool = True) -> AlignedFaces:
    """Every `*.jpg` / `*.png` of a flat folder (sorted), its largest face aligned as the service
    does (dfrec.evaluation.wild_faces.align_largest_face), 68 landmarks found on the crop;
    photos without a face are skipped. One identity per photo (its file name)."""
    from dfrec.evaluation.wild_faces import align_largest_face

    paths = sorted([*folder.glob("*.jpg"), *folder.glob("*.png")]) or list_photos(folder)
    crops, names = [], []
    for path in tqdm(paths, desc=f"align {folder.name}", unit="photo", disable=not progress):
        crop, _ = align_largest_face(np.asarray(open_rgb(path)), image_size)
        if crop is not None:
            crops.append(crop)
            names.append(path.name)
    if not crops:
        raise ValueError(f"no face found in any photo of {folder}")
    stacked = np.stack(crops)
    points = crop_landmarks_68(stacked.transpose(0, 3, 1, 2).astype(np.float32) / 255.0)
    return AlignedFaces(
        crops=stacked,
        landmarks_5=np.zeros((len(crops), 5, 2), np.float32),  # not used by these items
        landmarks_68=points,
        matrices=np.zeros((len(crops), 2, 3)),
        identities=np.array(names, dtype=str),
        files=np.array(names, dtype=str),
        num_skipped=len(paths) - len(crops),
    )


def cached_alignment(
    folder: Path, image_size: int, cache_dir: Path = DEFAULT_CACHE_DIR
) -> AlignedFaces:
    """align_like_service, cached as <cache_dir>/service-aligned_<folder>_<S>.npz."""
    path = cache_dir / f"service-aligned_{folder.resolve().name}_{image_size}.npz"
    if not path.is_file():
        align_like_service(folder, image_size).save(path)
    return AlignedFaces.load(path)


@dataclass(frozen=True)
class RealToolFaces:
    """fakes: a tool's outputs; tight: untouched tight face crops; both service-aligned, either
    absent (None) when the mix has no items of its kind."""

    fakes: AlignedFaces | None
    tight: AlignedFaces | None

    @classmethod
    def load(cls, fakes: Path | None, tight: Path | None, image_size: int) -> RealToolFaces:
        return cls(*(cached_alignment(d, image_size) if d else None for d in (fakes, tight)))

    def fake(self, rng: np.random.Generator) -> tuple[Forgery, np.ndarray]:
        """A random output of the tool, its face hull as the mask, and its (68, 2) landmarks.
        Source and target are unknown: both are the fake itself."""
        if self.fakes is None:
            raise ValueError("realtool items need a folder of a real tool's outputs")
        row = int(rng.integers(len(self.fakes)))
        crop, landmarks = self.fakes.crops[row], self.fakes.landmarks_68[row]
        size = crop.shape[0]
        mask = swap_mask(landmarks, size, size * MASK_SIGMA_FRACTION, "face")
        image = channels_first(to_float(crop))
        forgery = Forgery(image, image.copy(), image.copy(), mask[None], "realtool")
        return forgery, landmarks

    def pristine(self, rng: np.random.Generator) -> tuple[Forgery, np.ndarray]:
        """A random untouched tight crop, as a pristine item, and its (68, 2) landmarks."""
        if self.tight is None:
            raise ValueError("tight_pristine items need a folder of untouched tight crops")
        row = int(rng.integers(len(self.tight)))
        face = Face(self.tight.crops[row], self.tight.landmarks_68[row])
        return make_pristine(face), face.landmarks_68
