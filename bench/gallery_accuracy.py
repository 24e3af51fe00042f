"""Who is this, measured: test swaps (the evaluation's fixed `swap` set of the 48 test people)
are recovered by the shipped checkpoint, and the raw fake, the recovered source and the
recovered target are each embedded as a job's faces are (gallery.embedding.FaceEmbedder.crop)
and searched in galleries of 48 (the test people, every photo of theirs enrolled as the API
enrols: FaceEmbedder.photo on the full photo), 1,000 and all (the test people plus UTKFace
photos as distractors, each UTKFace photo one person: it has no identity labels).

A person's score is their best photo's cosine, as gallery.search answers; the forgery's own
source and target photos are left out of the gallery for that query. Printed: top-1 / top-5 of
the forgery's source (who was pasted in) and of its target (whose photo was edited) per query,
and the false-match rate on pristine photos of people not enrolled: each pristine test photo
searched with its person left out; a false match is a best score at or above CROP_THRESHOLD
(the job's threshold).

    python bench/gallery_accuracy.py [--samples 256] [--checkpoint weights/dfrec-small.pt]
        [--distractor-cache /tmp/dfrec-utkface-embeddings.npy]

Not a test: a measurement, printed as a table. UTKFace embeddings (about 10 minutes on two
cores) are kept in --distractor-cache.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import torch
from PIL import Image
from tqdm import tqdm

from dfrec.checkpoint import load_checkpoint
from dfrec.data.faces import AlignedFaces
from dfrec.data.prepare import prepare_cache
from dfrec.evaluation.methods import DFRECMethod
from dfrec.evaluation.samples import load_test_data
from dfrec.pipeline import Recoverer
from dfrec.training.config import DEFAULT_DATA_ROOT, DEFAULT_SOURCE_ONLY_ROOT
from dfrec_contract.galleries import CALIBRATED_FALSE_MATCH_RATE, CROP_THRESHOLD
from gallery.embedding import face_embedder

MIDDLE_GALLERY = 1_000
"""People enrolled in the middle gallery (between the test people alone and everyone)."""


def embed_crops(images: torch.Tensor, desc: str) -> np.ndarray:
    """(N, 3, S, S) in [0, 1] -> (N, 128) unit embeddings."""
    embedder = face_embedder()
    pixels = (images.clamp(0, 1) * 255).round().to(torch.uint8).permute(0, 2, 3, 1).numpy()
    return np.stack([embedder.crop(np.ascontiguousarray(p)) for p in tqdm(pixels, desc=desc)])


def enrolled_photos(size: int, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(embeddings (M, 128), the face-cache rows they are of): each row's full photo embedded
    as enrolment does; rows whose photo shows no face to the embedder are left out."""
    faces = AlignedFaces.load(prepare_cache(DEFAULT_DATA_ROOT, size))
    embedder = face_embedder()
    embeddings, kept = [], []
    for row in tqdm(rows, desc="enrolling the test people's photos"):
        path = DEFAULT_DATA_ROOT / str(faces.identities[row]) / str(faces.files[row])
        face = embedder.photo(np.asarray(Image.open(path).convert("RGB")))
        if face is not None:
            embeddings.append(face.embedding)
            kept.append(row)
    return np.stack(embeddings), np.array(kept)


def distractor_embeddings(root: Path, cache: Path) -> np.ndarray:
    if cache.is_file():
        return np.load(cache)
    embedder = face_embedder()
    paths = sorted(root.glob("*.jpg"))
    rows = [
        embedder.crop(np.asarray(Image.open(path).convert("RGB")))
        for path in tqdm(paths, desc="UTKFace distractors")
    ]
    embeddings = np.stack(rows).astype(np.float32)
    np.save(cache, embeddings)
    return embeddings


def best_per_person(
    scores: np.ndarray, owners: np.ndarray, people: int, excluded: np.ndarray
) -> np.ndarray:
    """(N, people) best photo score per person, the excluded photo columns left out.
    scores: (N, M) per photo; owners: (M,) person index; excluded: (N, K) photo columns."""
    scores = np.concatenate([scores, np.zeros((len(scores), 1), scores.dtype)], axis=1)
    np.put_along_axis(scores, excluded, -np.inf, axis=1)  # column M: a photo not enrolled
    scores = scores[:, :-1]
    best = np.full((len(scores), people), -np.inf, np.float32)
    for person in range(people):
        columns = owners == person
        if columns.any():
            best[:, person] = scores[:, columns].max(axis=1)
    return best


def hit_rates(best: np.ndarray, truth: np.ndarray, distractors: np.ndarray) -> tuple[float, float]:
    """(top-1, top-5) of the true person among the enrolled people and the distractors."""
    everyone = np.concatenate([best, distractors], axis=1)
    true_scores = everyone[np.arange(len(truth)), truth]
    rank = (everyone > true_scores[:, None]).sum(axis=1) + 1
    return float((rank <= 1).mean()), float((rank <= 5).mean())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--checkpoint", type=Path, default=Path("weights/dfrec-small.pt"))
    parser.add_argument("--samples", type=int, default=256)
    parser.add_argument(
        "--distractor-cache", type=Path, default=Path("/tmp/dfrec-utkface-embeddings.npy")
    )
    args = parser.parse_args()
    recoverer = Recoverer(load_checkpoint(args.checkpoint)[0])
    size = recoverer.geometry.image_size
    data = load_test_data(DEFAULT_DATA_ROOT, size, args.samples, synthesizers=("swap",))
    people = np.unique(data.gallery_people)
    enrolled, rows = enrolled_photos(size, data.gallery_rows)
    person_of_row = dict(zip(data.gallery_rows.tolist(), data.gallery_people, strict=True))
    owners = np.searchsorted(people, [person_of_row[int(row)] for row in rows])
    column_of_row = {int(row): column for column, row in enumerate(rows)}
    unused = len(rows)  # a left-out row excludes nothing (this column is out of range)
    distractors = distractor_embeddings(DEFAULT_SOURCE_ONLY_ROOT, args.distractor_cache)

    swaps = data.sets["swap"]
    recovered = DFRECMethod(recoverer).run(swaps.fake)
    queries = {
        "raw fake": embed_crops(swaps.fake, "fakes"),
        "recovered source": embed_crops(recovered.source, "recovered sources"),
        "recovered target": embed_crops(recovered.target, "recovered targets"),
    }
    excluded = np.array(
        [
            [column_of_row.get(int(s), unused), column_of_row.get(int(t), unused)]
            for s, t in zip(swaps.source_rows, swaps.target_rows, strict=True)
        ]
    )
    truths = {
        "source": np.searchsorted(people, swaps.source_people),
        "target": np.searchsorted(people, swaps.target_people),
    }
    sizes = [len(people), MIDDLE_GALLERY, len(people) + len(distractors)]
    print(
        f"swaps: {len(swaps)} of {len(people)} test people ({len(enrolled)} enrolled photos); "
        f"distractors: {len(distractors)} UTKFace photos; threshold {CROP_THRESHOLD} "
        f"(pair false-match rate {CALIBRATED_FALSE_MATCH_RATE})"
    )
    header = " | ".join(f"top-1 / top-5, {n:,} people" for n in sizes)
    print(f"| query | names the | {header} |\n|---|---|" + "---|" * len(sizes))
    for name, embeddings in queries.items():
        best = best_per_person(embeddings @ enrolled.T, owners, len(people), excluded)
        other = embeddings @ distractors.T
        for side, truth in truths.items():
            cells = []
            for total in sizes:
                top1, top5 = hit_rates(best, truth, other[:, : total - len(people)])
                cells.append(f"{top1:.1%} / {top5:.1%}")
            print(f"| {name} | {side} | " + " | ".join(cells) + " |", flush=True)

    pristine = data.sets["pristine"]
    embeddings = embed_crops(pristine.fake, "pristine photos")
    own = np.array([[column_of_row.get(int(r), unused)] for r in pristine.target_rows])
    best = best_per_person(embeddings @ enrolled.T, owners, len(people), own)
    truth = np.searchsorted(people, pristine.target_people)
    best[np.arange(len(truth)), truth] = -np.inf  # the person is not enrolled
    other = embeddings @ distractors.T
    for total in sizes:
        top = np.concatenate([best, other[:, : total - len(people)]], axis=1).max(axis=1)
        rate = float((top >= CROP_THRESHOLD).mean())
        print(
            f"false matches, pristine photos of people not enrolled, {total:,} people: "
            f"{rate:.1%} of {len(top)}"
        )


if __name__ == "__main__":
    main()
