"""Faces for the wild evaluation: each photo's largest face aligned exactly as the service does
(dfrec.data.align, default border), and the CelebA test people's aligned photos as negatives."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from tqdm import tqdm

from dfrec.data.align import align_face, crop_landmarks_68, detect_faces
from dfrec.data.faces import AlignedFaces
from dfrec.data.masks import face_region
from dfrec.data.prepare import detect_in_tight_crop, prepare_cache
from dfrec.data.splits import folder_split
from dfrec.evaluation.samples import SPLIT_SEED, TEST_FRACTION
from dfrec.imageio import open_rgb

FOUND_IN_PHOTO, FOUND_IN_TIGHT_CROP, NO_FACE = "photo", "tight crop", "none"


def align_largest_face(pixels: np.ndarray, size: int) -> tuple[np.ndarray | None, str]:
    """pixels: (H, W, 3) uint8 RGB -> ((size, size, 3) uint8 crop or None, where it was found).

    detect_faces on the photo as the worker does; when it finds nothing, detect_in_tight_crop
    (the photo padded with its edge colours: HOG misses faces that touch the border). Either
    way the largest face, aligned by align_face with its default border."""
    faces, found_in = detect_faces(pixels), FOUND_IN_PHOTO
    if not faces:
        faces, found_in = detect_in_tight_crop(pixels), FOUND_IN_TIGHT_CROP
    if not faces:
        return None, NO_FACE
    return align_face(pixels, faces[0].landmarks, size).crop, found_in


def align_photos(
    paths: list[Path], size: int, progress: bool = True
) -> tuple[list[np.ndarray | None], list[str]]:
    """Each photo read as RGB (EXIF orientation applied) -> its aligned crop or None, and where
    the face was found (FOUND_IN_PHOTO, FOUND_IN_TIGHT_CROP or NO_FACE)."""
    crops, found = [], []
    for path in tqdm(paths, desc="find faces", unit="photo", disable=not progress):
        crop, found_in = align_largest_face(np.asarray(open_rgb(path)), size)
        crops.append(crop)
        found.append(found_in)
    return crops, found


def celeba_test_photos(data_root: Path, size: int, count: int) -> tuple[np.ndarray, list[str]]:
    """At most `count` aligned photos of the CelebA test people (the split training and the
    evaluation use), evenly spaced over their cache rows so the choice is fixed; none (and no
    cache built) when count is 0. -> (K, size, size, 3) uint8 crops, names "<identity>/<file>"."""
    if count <= 0:
        return np.zeros((0, size, size, 3), np.uint8), []
    faces = AlignedFaces.load(prepare_cache(data_root, size))
    rows = faces.indices_of(list(folder_split(data_root, TEST_FRACTION, SPLIT_SEED).test))
    count = min(count, len(rows))
    chosen = rows[np.arange(count) * len(rows) // count]
    people, files = faces.identities[chosen], faces.files[chosen]
    names = [f"{person}/{file}" for person, file in zip(people, files, strict=True)]
    return faces.crops[chosen], names


def face_hulls(crops: torch.Tensor) -> torch.Tensor:
    """The face region a swap pastes (dfrec.data.masks.face_region: the hull of the jaw and
    brows) from the 68 landmarks dlib finds on each aligned crop (the mean face's where it
    finds none). (N, 3, S, S) in [0, 1] -> (N, 1, S, S) binary float32."""
    size = crops.shape[-1]
    if not len(crops):
        return torch.zeros(0, 1, size, size)
    points = crop_landmarks_68(crops.numpy())
    return torch.from_numpy(np.stack([face_region(p, size) for p in points])[:, None])


def faces_table(sets: list[str], found: list[str]) -> list[dict[str, object]]:
    """Per set (a fake's tool or a negative group, in order of first appearance): the images
    and how many had their face found in the photo, in the padded crop, or not at all."""
    rows = []
    for name in dict.fromkeys(sets):
        hows = [how for set_name, how in zip(sets, found, strict=True) if set_name == name]
        counts = {how: hows.count(how) for how in (FOUND_IN_PHOTO, FOUND_IN_TIGHT_CROP, NO_FACE)}
        rows.append({"set": name, "images": len(hows), **counts})
    return rows
