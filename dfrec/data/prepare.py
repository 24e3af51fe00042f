"""Detect, landmark and align every photo of a folder once, and cache the result as .npz.

python -m dfrec.data.prepare --data ../shared/data/celeba-id --size 128
python -m dfrec.data.prepare --data ../shared/data/utkface --size 128

A folder of `<identity>/<file>.jpg` gives each photo its folder's identity; a flat folder of
face crops without identity labels (UTKFace) gives every photo an identity of its own (two
random files are almost always two people), and its tight crops are padded before detection.
"""

import argparse
import os
import time
from pathlib import Path

import cv2
import numpy as np
from tqdm import tqdm

from dfrec.data.align import (
    TIGHT_CROP_PAD_FRACTION,
    DetectedFace,
    align_face,
    detect_faces,
    landmarks,
    transform_points,
)
from dfrec.data.faces import AlignedFaces

# The checkout's .cache/, or DFREC_DATA_CACHE (e.g. a writable volume in the trainer container).
DEFAULT_CACHE_DIR = Path(
    os.environ.get("DFREC_DATA_CACHE", Path(__file__).resolve().parents[2] / ".cache")
)


def list_photos(data_root: Path) -> list[Path]:
    """All `<identity>/<file>.jpg` under data_root, or all `*.jpg` of a flat folder; sorted."""
    return sorted(data_root.glob("*/*.jpg")) or sorted(data_root.glob("*.jpg"))


def is_flat(data_root: Path) -> bool:
    """True for a folder of unlabelled face crops (no `<identity>/` folders)."""
    return not any(path.is_dir() for path in data_root.iterdir())


def photo_identity(path: Path, flat: bool) -> str:
    """The folder's name, or for a flat folder the photo's own name (one person per photo)."""
    return f"{path.parent.name}/{path.name.split('.')[0]}" if flat else path.parent.name


def detect_in_tight_crop(image_rgb: np.ndarray) -> list:
    """detect_faces on the crop padded with its edge colours (HOG misses faces that touch the
    border); box and landmarks mapped back to the crop's pixels."""
    height, width = image_rgb.shape[:2]
    pad = round(TIGHT_CROP_PAD_FRACTION * max(height, width))
    padded = cv2.copyMakeBorder(image_rgb, pad, pad, pad, pad, cv2.BORDER_REPLICATE)
    faces = detect_faces(padded)
    return [
        DetectedFace(
            box=tuple(value - pad for value in face.box),
            landmarks=face.landmarks - pad,
            score=face.score,
        )
        for face in faces
    ]


def read_rgb(path: Path) -> np.ndarray:
    """A photo as (H, W, 3) uint8 RGB."""
    image_bgr = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if image_bgr is None:
        raise OSError(f"cannot read image {path}")
    return cv2.cvtColor(image_bgr, cv2.COLOR_BGR2RGB)


def align_photos(
    photos: list[Path], image_size: int, progress: bool = True, flat: bool = False
) -> AlignedFaces:
    """The largest face of each photo, aligned at S = image_size; photos without a face skipped.
    flat: the photos are unlabelled tight face crops (see the module docstring)."""
    crops, points_5, points_68, matrices, identities, files = [], [], [], [], [], []
    num_skipped = 0
    detect = detect_in_tight_crop if flat else detect_faces
    for path in tqdm(photos, desc=f"align {image_size}px", unit="photo", disable=not progress):
        image_rgb = read_rgb(path)
        faces = detect(image_rgb)
        if not faces:
            num_skipped += 1
            continue
        face = faces[0]
        # A tight crop is smaller than the aligned field of view: smear its edges rather than
        # mirror them (a mirrored border shows half faces).
        border = cv2.BORDER_REPLICATE if flat else cv2.BORDER_REFLECT_101
        aligned = align_face(image_rgb, face.landmarks, image_size, border)
        crops.append(aligned.crop)
        matrices.append(aligned.matrix)
        points_5.append(transform_points(face.landmarks, aligned.matrix))
        points_68.append(transform_points(landmarks(image_rgb, face.box, 68), aligned.matrix))
        identities.append(photo_identity(path, flat))
        files.append(path.name)
    return AlignedFaces(
        crops=np.stack(crops) if crops else np.zeros((0, image_size, image_size, 3), np.uint8),
        landmarks_5=np.array(points_5, np.float32).reshape(-1, 5, 2),
        landmarks_68=np.array(points_68, np.float32).reshape(-1, 68, 2),
        matrices=np.array(matrices, np.float64).reshape(-1, 2, 3),
        identities=np.array(identities, dtype=str),
        files=np.array(files, dtype=str),
        num_skipped=num_skipped,
    )


def cache_path(data_root: Path, image_size: int, cache_dir: Path) -> Path:
    """Where the aligned faces of data_root at image_size are cached."""
    return cache_dir / f"{data_root.resolve().name}_aligned_{image_size}.npz"


def prepare_cache(
    data_root: Path, image_size: int, cache_dir: Path = DEFAULT_CACHE_DIR, rebuild: bool = False
) -> Path:
    """Build (or reuse) the aligned-face cache of a photo folder; returns the .npz path."""
    path = cache_path(data_root, image_size, cache_dir)
    if path.is_file() and not rebuild:
        return path
    align_photos(list_photos(data_root), image_size, flat=is_flat(data_root)).save(path)
    return path


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True, help="folder of <identity>/<file>.jpg")
    parser.add_argument("--size", type=int, default=128, help="side of the aligned crops")
    parser.add_argument("--cache-dir", type=Path, default=DEFAULT_CACHE_DIR)
    parser.add_argument("--rebuild", action="store_true", help="rebuild even if cached")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    path = prepare_cache(args.data, args.size, args.cache_dir, rebuild=args.rebuild)
    faces = AlignedFaces.load(path)
    print(
        f"{path}: {len(faces)} faces of {len(set(faces.identities))} people kept, "
        f"{faces.num_skipped} photos without a face, {time.perf_counter() - start:.1f} s"
    )


if __name__ == "__main__":
    main()
