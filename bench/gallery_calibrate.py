"""The galleries' same-person thresholds: photos of CelebA training-split people (never the 48
test people) are embedded as enrolment does (gallery.embedding: the photo's largest face, dlib
ResNet, unit length) and as a job's faces are (the aligned crop at the model's size, 128 px,
FaceEmbedder.crop); every pair of different photos is scored. Printed: the cosine that the
wanted share of pairs of different people reaches (the false-match rate), with the share of
same-person pairs refused there, for photo vs photo (search by photo) and aligned crop vs
photo (a job's faces against enrolled photos). dfrec_contract.galleries holds the values.

    python bench/gallery_calibrate.py [--photos-per-person 6] [--false-match-rate ...]

Not a test: a measurement, printed as a table.
"""

from __future__ import annotations

import argparse

import numpy as np
from PIL import Image
from tqdm import tqdm

from dfrec.data.faces import AlignedFaces
from dfrec.data.prepare import prepare_cache
from dfrec.data.splits import folder_split
from dfrec.training.config import DEFAULT_DATA_ROOT
from gallery.embedding import face_embedder

CROP_SIZE = 128
"""The shipped model's face size: a job's aligned crops."""


def embed(people: tuple[str, ...], per_person: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(photo embeddings, crop embeddings, person index), per photo where both exist."""
    faces = AlignedFaces.load(prepare_cache(DEFAULT_DATA_ROOT, CROP_SIZE))
    embedder = face_embedder()
    photos, crops, owners = [], [], []
    for number, person in enumerate(tqdm(people, desc="people", unit="person")):
        for row in faces.indices_of([person])[:per_person]:
            path = DEFAULT_DATA_ROOT / person / str(faces.files[row])
            face = embedder.photo(np.asarray(Image.open(path).convert("RGB")))
            if face is None:
                continue
            photos.append(face.embedding)
            crops.append(embedder.crop(faces.crops[row]))
            owners.append(number)
    return np.stack(photos), np.stack(crops), np.array(owners)


def pair_scores(
    queries: np.ndarray, enrolled: np.ndarray, owners: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """(same-person cosines, different-people cosines) over pairs of different photos."""
    scores = queries @ enrolled.T
    first, second = np.triu_indices(len(queries), k=1)
    same = owners[first] == owners[second]
    pairs = scores[first, second]
    return pairs[same], pairs[~same]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--photos-per-person", type=int, default=6)
    parser.add_argument("--false-match-rate", type=float, nargs="+", default=[0.01, 0.001, 1e-4])
    args = parser.parse_args()
    split = folder_split(DEFAULT_DATA_ROOT)
    photos, crops, owners = embed(split.train, args.photos_per_person)
    print(f"training-split people: {len(split.train)}, photos with a face: {len(photos)}")
    print("| pairs | false-match rate | threshold (cosine) | same-person pairs refused |")
    print("|---|---|---|---|")
    for name, queries in (("photo vs photo", photos), ("aligned crop vs photo", crops)):
        genuine, impostor = pair_scores(queries, photos, owners)
        for rate in args.false_match_rate:
            threshold = float(np.quantile(impostor, 1.0 - rate))
            refused = float(np.mean(genuine < threshold))
            print(f"| {name} | {rate:g} | {threshold:.4f} | {refused:.2%} |", flush=True)
        print(f"| {name}: {len(genuine)} same-person, {len(impostor)} different-people pairs |")


if __name__ == "__main__":
    main()
