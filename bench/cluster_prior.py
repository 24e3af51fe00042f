"""Would a prior that knows whom the target resembles recover more of the target? The shipped
TIRM adds one mean-face prior (drawn on the fake's landmarks) to every hidden face. Here faces
the model never evaluates on (UTKFace) are grouped by their FaceNet embedding (k-means), and each
group's mean face replaces the global one in the prior (the shipped prior plus the group mean's
detail minus the global mean's). Each fake gets the group chosen by:

- oracle: the true target's embedding (a ceiling: what a perfect chooser would give);
- recovered: the shipped recovered target's embedding (what the service could do: the target's
  context, hair, skin and geometry, with the shipped model's face inside).

A third grouping is keyed on the context alone: the bank's faces are grouped by the FaceNet
embedding of the whole crop with the face region (jaw-and-brows hull on its 68 landmarks) grey,
and each fake chooses by the same embedding of itself (hull on the landmarks dlib finds on it),
so the chooser reads exactly what the groups were made from: the prior becomes the mean inner
face of bank faces whose surroundings look like the fake's.

Prints the judge's / FaceNet's retrieval of the true target (and with --leak, of the source).

    python bench/cluster_prior.py [--people train] [--groups 8 32] [--faces 4000] [--leak]
        [--figure docs/images/cluster_prior_train.png]

Not a test: a measurement, printed as a table.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import NamedTuple

import numpy as np
import torch
from scipy.cluster.vq import kmeans2
from tqdm import tqdm

from dfrec.checkpoint import load_checkpoint
from dfrec.data.align import crop_landmarks_68
from dfrec.data.faces import AlignedFaces
from dfrec.data.masks import face_region
from dfrec.data.prepare import prepare_cache
from dfrec.evaluation.aggregate import FeatureCache
from dfrec.evaluation.identity import unit_rows
from dfrec.evaluation.reference_faces import (
    RecoveryFigure,
    judged_test_data,
    leak_table,
    reference_rows,
    table_header,
)
from dfrec.evaluation.samples import PEOPLE, SYNTHESIZERS
from dfrec.models.dfrec import recover_source
from dfrec.models.tirm import face_detail
from dfrec.noise import batch_masking_noise
from dfrec.training.config import DEFAULT_SOURCE_ONLY_ROOT
from dfrec.training.loop import mean_face

CHUNK = 16
SEED = 0
FIGURE_ROWS = 4  # per synthesizer
SHORT = {
    "identity": "id",
    "context": "ctx",
    "oracle": "oracle",
    "recovered": "by recovery",
    "the fake's context": "by context",
}


def context_embeddings(images: torch.Tensor, landmarks: np.ndarray) -> np.ndarray:
    """(N, 3, S, S) faces with their (N, 68, 2) landmarks -> (N, 512) FaceNet embeddings of
    the whole crop with the face region grey."""
    size = images.shape[-1]
    hidden = torch.from_numpy(np.stack([face_region(points, size) for points in landmarks]))
    grey = images * (1 - hidden[:, None]) + 0.5 * hidden[:, None]
    return FeatureCache().embedding(grey).numpy()


def bank_embeddings(faces: AlignedFaces, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """FaceNet tight-crop (identity) and context embeddings, each (N, 512), of the bank."""
    identity, context = [], []
    for start in tqdm(range(0, len(rows), 256), desc="bank embeddings"):
        part = rows[start : start + 256]
        images = torch.from_numpy(faces.crops[part]).permute(0, 3, 1, 2).float() / 255.0
        identity.append(FeatureCache().tight_embedding(images).numpy())
        context.append(context_embeddings(images, faces.landmarks_68[part]))
    return np.concatenate(identity), np.concatenate(context)


def group_priors(model, faces, rows, labels, groups: int) -> torch.Tensor:
    """(groups, 1, n, p*p*3): the shipped prior plus each group's mean-face detail minus the
    whole bank's."""
    patch_size = model.config.geometry.patch_size
    shipped = model.tirm.pixel_prior.detach()
    bank = face_detail(mean_face(faces, rows), patch_size)
    details = [face_detail(mean_face(faces, rows[labels == g]), patch_size) for g in range(groups)]
    return torch.stack([shipped + detail - bank for detail in details])


class Inputs(NamedTuple):
    """What the TIRM takes for each fake, computed once, in the order of its arguments: the
    fake, the ISM's m_s, the SIRM's f_t, the masking noise and the landmarks found on the fake."""

    fake: torch.Tensor
    mask: torch.Tensor
    identity: torch.Tensor
    noise: torch.Tensor
    landmarks: torch.Tensor


@torch.inference_mode()
def tirm_inputs(model, fake: torch.Tensor) -> Inputs:
    """The ISM and SIRM on (N, 3, S, S) fakes, and their landmarks."""
    masks, identities = [], []
    for images in fake.split(CHUNK):
        mask = model.ism(images).mask
        masks.append(mask)
        identities.append(recover_source(model.sirm, images, mask).target_identity)
    noise = batch_masking_noise(fake.numpy(), model.config.geometry.num_patches)
    landmarks = crop_landmarks_68(fake.numpy())
    return Inputs(
        fake,
        torch.cat(masks),
        torch.cat(identities),
        torch.from_numpy(noise),
        torch.from_numpy(landmarks),
    )


@torch.inference_mode()
def recover(model, inputs: Inputs, priors=None, choice=None) -> torch.Tensor:
    """Recovered targets (N, 3, S, S), each fake's TIRM prior the chosen group's (choice (N,)
    into priors; None: the shipped prior)."""
    shipped = model.tirm.pixel_prior.detach().clone()
    out = torch.empty_like(inputs.fake)
    everyone = np.arange(len(inputs.fake))
    for group in [None] if choice is None else np.unique(choice):
        index = everyone if group is None else np.flatnonzero(choice == group)
        if group is not None:
            model.tirm.pixel_prior.copy_(priors[group])
        for part in np.array_split(index, max(1, len(index) // CHUNK)):
            out[part] = model.tirm(*(tensor[part] for tensor in inputs)).target
    model.tirm.pixel_prior.copy_(shipped)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--checkpoint", type=Path, default=Path("weights/dfrec-small.pt"))
    parser.add_argument("--people", choices=PEOPLE, default="train")
    parser.add_argument("--samples", type=int, default=128)
    parser.add_argument("--groups", type=int, nargs="+", default=[8, 32])
    parser.add_argument("--faces", type=int, default=4000, help="UTKFace faces in the bank")
    parser.add_argument("--leak", action="store_true", help="also retrieve the source")
    parser.add_argument("--figure", type=Path, help="save the first fakes' recoveries here")
    args = parser.parse_args()
    model = load_checkpoint(args.checkpoint)[0]
    size = model.config.geometry.image_size
    faces = AlignedFaces.load(prepare_cache(DEFAULT_SOURCE_ONLY_ROOT, size))
    rows = np.sort(np.random.default_rng(SEED).permutation(len(faces))[: args.faces])
    identity, context = bank_embeddings(faces, rows)
    bank = {"identity": identity, "context": context}
    clusterings = {}
    for key, embeddings in bank.items():
        for groups in args.groups:
            centroids, labels = kmeans2(embeddings, groups, minit="++", seed=SEED)
            priors = group_priors(model, faces, rows, labels, groups)
            clusterings[key, groups] = (unit_rows(centroids), priors)
    data, references, galleries = judged_test_data(size, args.samples, args.people)
    title = f"TIRM prior (N = {args.samples}, {args.people} people, bank {args.faces})"
    print(table_header("target", title))
    leaks, agreement, figure = [], [], RecoveryFigure(FIGURE_ROWS)
    for synthesizer in SYNTHESIZERS:
        truth = data.sets[synthesizer]
        inputs = tirm_inputs(model, truth.fake)
        described = FeatureCache()
        shipped = recover(model, inputs)
        queries = {"None (the fake)": truth.fake, "shipped (one mean face)": shipped}
        shown = {"shipped": shipped}
        choosers = {
            "identity": {
                "oracle": described.tight_embedding(truth.target).numpy(),
                "recovered": described.tight_embedding(shipped).numpy(),
            },
            "context": {
                "the fake's context": context_embeddings(truth.fake, inputs.landmarks.numpy())
            },
        }
        for (key, groups), (centroids, priors) in clusterings.items():
            choices = {
                chooser: np.argmax(embedding @ centroids.T, axis=1)
                for chooser, embedding in choosers[key].items()
            }
            for chooser, choice in choices.items():
                name = f"{groups} {key} groups, chosen by {chooser}"
                queries[name] = recover(model, inputs, priors, choice)
                shown[f"{groups} {SHORT[key]}, {SHORT[chooser]}"] = queries[name]
            if key == "identity":
                same = 100 * np.mean(choices["recovered"] == choices["oracle"])
                agreement.append(f"{synthesizer}, {groups} groups: {same:.1f} %")
        figure.add(truth, shown)
        for line in reference_rows(truth, "target", queries, references, galleries, described):
            print(line, flush=True)
        if args.leak:
            leaks += reference_rows(truth, "source", queries, references, galleries, described)
    if args.leak:
        print(leak_table(title, leaks))
    print("\nThe recovered target's group is the true target's for", "; ".join(agreement))
    if args.figure:
        print(f"\n{figure.save(args.figure)}")


if __name__ == "__main__":
    main()
