"""Torch dataset of synthetic forgeries built on the fly from cached aligned faces."""

from collections.abc import Mapping, Sequence

import numpy as np
import torch
from torch.utils.data import Dataset

from dfrec.data.augment import (
    align_jitter,
    colour_jitter,
    degrade,
    mirror,
    mirror_landmarks,
    video_degrade,
    wild_degrade,
)
from dfrec.data.faces import AlignedFaces
from dfrec.data.held_out_swaps import make_ellipse_swap, make_lowres_swap, make_similarity_swap
from dfrec.data.masks import face_region
from dfrec.data.real_tool import RealToolFaces
from dfrec.data.resynth import FaceResynthesizer, make_resynth
from dfrec.data.self_blend import make_self_blend
from dfrec.data.synth import (
    DEFAULT_MIX,
    KINDS,
    Face,
    Forgery,
    make_blend,
    make_pristine,
    make_swap,
)

AUGMENT_STREAM = 1  # the augmentations' random stream, apart from the forgery's
MIRROR_STREAM = 2  # the mirror's own stream: turning it on changes no other draw
ALIGN_JITTER_STREAM = 3  # the alignment jitter's own stream, likewise
WILD_STREAM = 4  # the wild degradation chain's own stream, likewise
VIDEO_STREAM = 5  # the video codec's own stream, likewise
SAME_PERSON_KINDS = ("pristine", "selfblend")  # kinds whose source is the target photo itself
REAL_TOOL_KINDS = ("realtool", "tight_pristine")  # items from RealToolFaces, not from faces
# Kinds that paste one person's face into another's photo: (source, target, rng) -> Forgery.
CROSS_PERSON_MAKERS = {
    "swap": make_swap,
    "blend": make_blend,
    "lowres_swap": make_lowres_swap,
    "ellipse_swap": make_ellipse_swap,
    "similarity_swap": make_similarity_swap,
}


def kind_schedule(mix: Mapping[str, float], period: int = 20) -> tuple[str, ...]:
    """Kinds for `period` consecutive indices in the proportions of mix, evenly interleaved
    (each step takes the kind furthest behind its share), so any run of about 1 / share
    consecutive items holds every kind, e.g. 0.4/0.4/0.2 -> swap, blend, pristine, swap, blend."""
    unknown = set(mix) - set(KINDS)
    if unknown or not np.isclose(sum(mix.values()), 1.0) or min(mix.values()) < 0:
        raise ValueError(f"mix must give non-negative shares of {KINDS} summing to 1, got {mix}")
    kinds = [kind for kind in KINDS if mix.get(kind, 0.0) > 0]
    counts = dict.fromkeys(kinds, 0)
    schedule = []
    for step in range(1, period + 1):
        kind = max(kinds, key=lambda k: step * mix[k] - counts[k])
        counts[kind] += 1
        schedule.append(kind)
    return tuple(schedule)


class SyntheticForgeries(Dataset):
    """Items {"fake", "source", "target": (3, S, S), "mask", "face_region": (1, S, S),
    "is_fake": () float32 tensors in [0, 1], "kind": str} made from the faces of the given
    people only. face_region is the target's inner-face hull (what face-region masking hides).
    augment: colour jitter on the whole sample and blur / JPEG / noise on the input (training).
    mirror: half the items flipped left to right, all images and masks alike (training).
    align_jitter: half the items moved off the alignment by a small random similarity (shift,
    scale, rotation), images, masks and landmarks alike (training).
    wild_degrade: half the inputs go through a resize chain and JPEG generations, as faces cut
    from web pages and figures have (training). video_degrade: half the inputs go through one
    H.264 frame, as faces in video frames have (training). A "resynth" item
    (dfrec.data.resynth) needs `resynthesize`, the decoder that re-draws its pasted face.
    "realtool" and "tight_pristine" items (dfrec.data.real_tool) come from `real_tool`, a
    tool's outputs and untouched tight crops.

    Item i is fixed by (seed, epoch, i): the kind follows kind_schedule(mix) by index, so keep
    shuffle=False in the DataLoader and every batch holds every kind; which people are paired is
    drawn inside the item. A "selfblend" item blends one photo with an altered copy of itself
    (dfrec.data.self_blend): its source and target are that photo. Otherwise the source is a
    different person whose landmarks are the closest to the target's among `candidates` random
    faces, as in Face X-ray. `source_only` people (e.g. unlabelled UTKFace crops) are not
    targets unless source_only_targets; when given, half the candidates are theirs.
    With source_only_pristine, half the pristine items are their untouched faces (meant to keep
    a face like theirs from reading as a forgery; ablation row 23 measured it worse). With
    source_only_targets, half the targets and half the pristine items are theirs, so many more
    people appear on both sides of real/fake (no identity label is needed for a target).
    """

    def __init__(
        self,
        faces: AlignedFaces,
        identities: Sequence[str],
        length: int,
        mix: Mapping[str, float] = DEFAULT_MIX,
        seed: int = 0,
        candidates: int = 16,
        source_only: Sequence[str] = (),
        augment: bool = False,
        source_only_pristine: bool = False,
        source_only_targets: bool = False,
        mirror: bool = False,
        align_jitter: bool = False,
        wild_degrade: bool = False,
        video_degrade: bool = False,
        resynthesize: FaceResynthesizer | None = None,
        real_tool: RealToolFaces | None = None,
    ):
        self.faces = faces
        self.rows = faces.indices_of(list(identities))
        self.source_only_rows = faces.indices_of(list(source_only))
        self.source_only_pristine = source_only_pristine and len(self.source_only_rows) > 0
        self.source_only_targets = source_only_targets and len(self.source_only_rows) > 0
        if len(set(faces.identities[self.rows])) < 2:
            raise ValueError("a forgery needs faces of at least two different people")
        self.length = length
        self.schedule = kind_schedule(mix)
        if "resynth" in self.schedule and resynthesize is None:
            raise ValueError("resynth items need a resynthesizer (the SIRM that re-draws faces)")
        self.resynthesize = resynthesize
        if set(REAL_TOOL_KINDS) & set(self.schedule) and real_tool is None:
            raise ValueError("realtool / tight_pristine items need a real tool's faces")
        self.real_tool = real_tool
        self.wild_degrade = wild_degrade
        self.video_degrade = video_degrade
        self.seed = seed
        self.candidates = candidates
        self.augment = augment
        self.mirror = mirror
        self.align_jitter = align_jitter
        self.epoch = 0

    def set_epoch(self, epoch: int) -> None:
        """New pairs and masks for every epoch, reproducibly."""
        self.epoch = epoch

    def __len__(self) -> int:
        return self.length

    def _face(self, row: int) -> Face:
        return Face(self.faces.crops[row], self.faces.landmarks_68[row])

    def _pick_source(self, target_row: int, rng: np.random.Generator) -> int:
        """Among random faces of other people, the one with landmarks closest to the target's."""
        identities = self.faces.identities
        others = self.rows[identities[self.rows] != identities[target_row]]
        extra = self.source_only_rows[identities[self.source_only_rows] != identities[target_row]]
        from_extra = min(self.candidates // 2, len(extra))
        from_others = min(self.candidates - from_extra, len(others))
        pool = np.concatenate(
            [
                others[rng.choice(len(others), size=from_others, replace=False)],
                extra[rng.choice(len(extra), size=from_extra, replace=False)],
            ]
        )
        distances = np.linalg.norm(
            self.faces.landmarks_68[pool] - self.faces.landmarks_68[target_row], axis=2
        ).mean(axis=1)
        return int(pool[np.argmin(distances)])

    def _rng(self, index: int) -> np.random.Generator:
        return np.random.default_rng([self.seed, self.epoch, index])

    def _target_rows(self, kind: str, rng: np.random.Generator) -> np.ndarray:
        """The rows an item of `kind` draws its target (or pristine face) from."""
        halved = self.source_only_targets or (kind == "pristine" and self.source_only_pristine)
        if halved and rng.random() < 0.5:
            return self.source_only_rows
        return self.rows

    def _draw_pair(self, index: int, rng: np.random.Generator) -> tuple[str, int, int]:
        kind = self.schedule[index % len(self.schedule)]
        rows = self._target_rows(kind, rng)
        target_row = int(rows[rng.integers(len(rows))])
        if kind in SAME_PERSON_KINDS:
            return kind, target_row, target_row
        return kind, self._pick_source(target_row, rng), target_row

    def pair(self, index: int) -> tuple[str, int, int]:
        """(kind, source row, target row) of item `index`; rows index self.faces."""
        return self._draw_pair(index, self._rng(index))

    def forgery(self, index: int) -> Forgery:
        """The numpy sample behind item `index`."""
        return self._forgery_and_landmarks(index)[0]

    def _forgery_and_landmarks(self, index: int) -> tuple[Forgery, np.ndarray]:
        """The sample behind item `index` and its target's (68, 2) landmarks, from one draw."""
        rng = self._rng(index)
        kind = self.schedule[index % len(self.schedule)]
        if kind in REAL_TOOL_KINDS:
            assert self.real_tool is not None  # __init__ refuses these items without one
            return self.real_tool.fake(rng) if kind == "realtool" else self.real_tool.pristine(rng)
        kind, source_row, target_row = self._draw_pair(index, rng)
        landmarks = self.faces.landmarks_68[target_row]
        if kind == "pristine":
            return make_pristine(self._face(target_row)), landmarks
        if kind == "selfblend":
            return make_self_blend(self._face(target_row), rng), landmarks
        if kind == "resynth":
            assert self.resynthesize is not None  # __init__ refuses resynth items without one
            source, target = self._face(source_row), self._face(target_row)
            return make_resynth(source, target, rng, self.resynthesize), landmarks
        make = CROSS_PERSON_MAKERS[kind]
        return make(self._face(source_row), self._face(target_row), rng), landmarks

    def __getitem__(self, index: int) -> dict[str, torch.Tensor | str]:
        if not 0 <= index < self.length:
            raise IndexError(index)
        sample, landmarks = self._forgery_and_landmarks(index)
        fake, source, target = sample.fake, sample.source, sample.target
        if self.augment:
            rng = np.random.default_rng([self.seed, self.epoch, index, AUGMENT_STREAM])
            fake, source, target = colour_jitter([fake, source, target], rng)
            if self.wild_degrade:
                fake = wild_degrade(
                    fake, np.random.default_rng([self.seed, self.epoch, index, WILD_STREAM])
                )
            if self.video_degrade:
                fake = video_degrade(
                    fake, np.random.default_rng([self.seed, self.epoch, index, VIDEO_STREAM])
                )
            fake = degrade(fake, rng)
        region = face_region(landmarks, self.faces.image_size)[None]
        mask = sample.mask
        if self.mirror:
            rng = np.random.default_rng([self.seed, self.epoch, index, MIRROR_STREAM])
            images = [fake, source, target, mask, region]
            flipped = mirror(images, rng)
            if flipped is not images:
                landmarks = mirror_landmarks(landmarks, self.faces.image_size)
            fake, source, target, mask, region = flipped
        if self.align_jitter:
            rng = np.random.default_rng([self.seed, self.epoch, index, ALIGN_JITTER_STREAM])
            images = [fake, source, target, mask, region]
            (fake, source, target, mask, region), landmarks = align_jitter(images, landmarks, rng)
        return {
            "fake": torch.from_numpy(fake),
            "source": torch.from_numpy(source),
            "target": torch.from_numpy(target),
            "mask": torch.from_numpy(mask),
            "face_region": torch.from_numpy(region),
            "landmarks": torch.from_numpy(np.asarray(landmarks, np.float32)),
            "is_fake": torch.tensor(float(sample.is_fake), dtype=torch.float32),
            "kind": sample.kind,
        }
