"""`dfrec forge SOURCE TARGET --out FAKE.png`: a forgery of a whole photo whose truth is known,
to try the service on. The largest face of each photo is aligned as in training, a synthesizer
(`dfrec.data.dataset.CROSS_PERSON_MAKERS`) pastes the source's face into the target's crop, and
the pasted region goes back into the target photo with the inverse warp: outside it the fake
keeps the target photo's pixels exactly. Beside the fake: its true mask in photo pixels and a
JSON record of what was made. Same photos, kind and seed: same bytes.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from dfrec.data.align import AlignedFace, align_face, crop_landmarks_68, detect_faces, paste_back
from dfrec.data.dataset import CROSS_PERSON_MAKERS
from dfrec.data.synth import Face
from dfrec.imageio import open_rgb, png_bytes, to_uint8

FORGE_SIZE = 256  # side of the aligned crops the forgery is made on


class NoFaceError(ValueError):
    """A photo in which the face detector finds no face."""


@dataclass(frozen=True)
class ForgedPhoto:
    """fake: (H, W, 3) uint8, the target photo with the source's face pasted in; mask: (H, W)
    float32 in [0, 1], the share of each pixel that comes from the source."""

    fake: np.ndarray
    mask: np.ndarray


def aligned_face(photo: np.ndarray, name: str) -> tuple[AlignedFace, Face]:
    """The photo's (H, W, 3) uint8 largest face aligned at FORGE_SIZE, with its 68 landmarks."""
    faces = detect_faces(photo)
    if not faces:
        raise NoFaceError(f"no face found in {name}")
    aligned = align_face(photo, faces[0].landmarks, FORGE_SIZE)
    pixels = aligned.crop.transpose(2, 0, 1)[None].astype(np.float32) / 255.0
    return aligned, Face(aligned.crop, crop_landmarks_68(pixels)[0])


def forge_photo(source: np.ndarray, target: np.ndarray, kind: str, seed: int) -> ForgedPhoto:
    """source, target: (H, W, 3) uint8 photos -> the target photo forged with the source's face
    by the synthesizer `kind` (randomness from seed only)."""
    _, source_face = aligned_face(source, "the source photo")
    return forge_onto(source_face, target, kind, seed)


def forge_onto(source_face: Face, target: np.ndarray, kind: str, seed: int) -> ForgedPhoto:
    """The target photo (H, W, 3) uint8 forged with an already aligned source face: a video's
    frames share one source face and one seed, so the paste stays the same over time while the
    target's landmarks are found again in each frame."""
    aligned, target_face = aligned_face(target, "the target photo")
    forgery = CROSS_PERSON_MAKERS[kind](source_face, target_face, np.random.default_rng(seed))
    crop = to_uint8(forgery.fake)
    fake = paste_back(target, crop, aligned.matrix, feather=0, weight=forgery.mask[0])
    height, width = target.shape[:2]
    inverse = cv2.invertAffineTransform(aligned.matrix)
    mask = cv2.warpAffine(forgery.mask[0], inverse, (width, height), flags=cv2.INTER_LINEAR)
    return ForgedPhoto(fake, np.clip(mask, 0.0, 1.0))


def run_forge(source: Path, target: Path, kind: str, seed: int, out: Path) -> dict[str, object]:
    """Write the fake PNG at out, its mask at <out>_mask.png and <out>.json; return the record."""
    forged = forge_photo(np.asarray(open_rgb(source)), np.asarray(open_rgb(target)), kind, seed)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(png_bytes(forged.fake.transpose(2, 0, 1).astype(np.float32) / 255.0))
    mask_path = out.with_name(f"{out.stem}_mask.png")
    mask_path.write_bytes(png_bytes(forged.mask[None]))
    record = {
        "fake": str(out),
        "mask": str(mask_path),
        "source": str(source),
        "target": str(target),
        "kind": kind,
        "seed": seed,
        "pasted_share": round(float(forged.mask.mean()), 4),
    }
    out.with_suffix(".json").write_text(json.dumps(record, indent=2) + "\n")
    return record
