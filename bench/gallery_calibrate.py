"""The galleries' same-person threshold: embed photos of CelebA training-split people (never
the 48 test people) as enrolment does (gallery.embedding: largest face, dlib ResNet, unit
length), score every pair of photos, and print the cosine above which the wanted share of
pairs of different people falls (the false-match rate), with the share of same-person pairs
refused there. dfrec_contract.galleries.SAME_PERSON_THRESHOLD holds the printed value.

    python bench/gallery_calibrate.py [--photos-per-person 6] [--false-match-rate 0.001]

Not a test: a measurement, printed as a table.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
from PIL import Image
from tqdm import tqdm

from dfrec.data.splits import folder_split
from gallery.embedding import face_embedder

CELEBA_ID = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "celeba-id"


def embed_people(
    root: Path, people: tuple[str, ...], per_person: int
) -> tuple[np.ndarray, np.ndarray]:
    """(embeddings (N, 128), person index (N,)) of the first per_person photos with a face."""
    embedder = face_embedder()
    vectors, owners = [], []
    for number, person in enumerate(tqdm(people, desc="people", unit="person")):
        found = 0
        for path in sorted((root / person).glob("*.jpg")):
            face = embedder.photo(np.asarray(Image.open(path).convert("RGB")))
            if face is not None:
                vectors.append(face.embedding)
                owners.append(number)
                found += 1
            if found == per_person:
                break
    return np.stack(vectors), np.array(owners)


def pair_scores(vectors: np.ndarray, owners: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(same-person cosines, different-people cosines) over every unordered pair."""
    scores = vectors @ vectors.T
    first, second = np.triu_indices(len(vectors), k=1)
    same = owners[first] == owners[second]
    pairs = scores[first, second]
    return pairs[same], pairs[~same]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-root", type=Path, default=CELEBA_ID)
    parser.add_argument("--photos-per-person", type=int, default=6)
    parser.add_argument("--false-match-rate", type=float, nargs="+", default=[0.01, 0.001, 1e-4])
    args = parser.parse_args()
    split = folder_split(args.data_root)
    vectors, owners = embed_people(args.data_root, split.train, args.photos_per_person)
    genuine, impostor = pair_scores(vectors, owners)
    print(
        f"training-split people: {len(split.train)}, photos with a face: {len(vectors)}, "
        f"same-person pairs: {len(genuine)}, different-people pairs: {len(impostor)}"
    )
    print("| false-match rate | threshold (cosine) | same-person pairs refused |")
    print("|---|---|---|")
    for rate in args.false_match_rate:
        threshold = float(np.quantile(impostor, 1.0 - rate))
        refused = float(np.mean(genuine < threshold))
        print(f"| {rate:g} | {threshold:.4f} | {refused:.2%} |")


if __name__ == "__main__":
    main()
