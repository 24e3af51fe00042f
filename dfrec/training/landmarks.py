"""Training of the TIRM's landmark refiner: synthesized fakes, the 68 points dlib finds on each,
and the target's own 68 points (which the synthesizer knows) as what the refiner should say.

Only the refiner learns; every other weight of the DFREC checkpoint is kept as it is.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import torch
from tqdm import tqdm

from dfrec.checkpoint import read_payload, save_checkpoint
from dfrec.config import DFRECConfig
from dfrec.data.align import crop_landmarks_68
from dfrec.data.dataset import SyntheticForgeries
from dfrec.data.faces import AlignedFaces
from dfrec.data.prepare import prepare_cache
from dfrec.data.splits import folder_split
from dfrec.evaluation.samples import SPLIT_SEED, TEST_FRACTION
from dfrec.models.dfrec import DFREC
from dfrec.models.landmark_refiner import LandmarkRefiner
from dfrec.registry import create_config
from dfrec.training.config import DEFAULT_DATA_ROOT, DEFAULT_SOURCE_ONLY_ROOT

REFINER_MIX = {"swap": 0.4, "blend": 0.4, "pristine": 0.2}  # pristine: real faces stay put
DETECTION_CHUNK = 256  # fakes synthesized and searched for landmarks at a time
REFINER_PREFIX = "tirm.landmark_refiner."
HELD_OUT_COUNT = 768  # fakes of the test people the finished refiner is measured on


@dataclass(frozen=True)
class LandmarkSamples:
    """images: (N, 3, S, S) uint8; found: (N, 68, 2) float32, what dlib finds on each image;
    truth: (N, 68, 2) float32, the target's own landmarks; kinds: (N,) str."""

    images: np.ndarray
    found: np.ndarray
    truth: np.ndarray
    kinds: np.ndarray

    def __len__(self) -> int:
        return len(self.images)

    def batch(self, rows: np.ndarray) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """(images float (b, 3, S, S) in [0, 1], found (b, 68, 2), truth (b, 68, 2))."""
        images = torch.from_numpy(self.images[rows]).float() / 255.0
        return images, torch.from_numpy(self.found[rows]), torch.from_numpy(self.truth[rows])


def landmark_samples(
    faces: AlignedFaces,
    identities: list[str],
    source_only: list[str],
    count: int,
    seed: int,
    progress: bool = True,
) -> LandmarkSamples:
    """`count` training fakes (REFINER_MIX, the training augmentations and mirror) of the given
    people, source_only people also as targets, with dlib's and the true target landmarks."""
    dataset = SyntheticForgeries(
        faces,
        identities,
        count,
        mix=REFINER_MIX,
        seed=seed,
        source_only=source_only,
        source_only_targets=True,
        augment=True,
        mirror=True,
    )
    images, found, truth, kinds = [], [], [], []
    with tqdm(total=count, desc="landmark samples", unit="fake", disable=not progress) as bar:
        for start in range(0, count, DETECTION_CHUNK):
            items = [dataset[i] for i in range(start, min(start + DETECTION_CHUNK, count))]
            chunk = np.stack([item["fake"].numpy() for item in items])
            found.append(crop_landmarks_68(chunk))
            images.append(np.clip(np.rint(chunk * 255.0), 0, 255).astype(np.uint8))
            truth.append(np.stack([item["landmarks"].numpy() for item in items]))
            kinds.extend(item["kind"] for item in items)
            bar.update(len(items))
    return LandmarkSamples(
        np.concatenate(images), np.concatenate(found), np.concatenate(truth), np.array(kinds)
    )


def save_samples(samples: LandmarkSamples, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez(path, **samples.__dict__)


def load_samples(path: Path) -> LandmarkSamples:
    with np.load(path) as archive:
        return LandmarkSamples(**{name: archive[name] for name in archive.files})


def point_error(predicted: torch.Tensor, truth: torch.Tensor) -> torch.Tensor:
    """(B, 68, 2) each -> (B, 68) Euclidean distance in pixels."""
    return (predicted - truth).norm(dim=-1)


def train_refiner(
    refiner: LandmarkRefiner,
    samples: LandmarkSamples,
    steps: int,
    batch_size: int,
    learning_rate: float,
    seed: int = 0,
    progress: bool = True,
) -> list[float]:
    """AdamW with cosine decay on the mean point distance (pixels) between refined and true
    landmarks. Returns the loss of every step."""
    generator = np.random.default_rng(seed)
    optimizer = torch.optim.AdamW(refiner.parameters(), lr=learning_rate, weight_decay=1e-4)
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, max(steps, 1))
    refiner.train()
    losses = []
    bar = tqdm(range(steps), desc="refiner", disable=not progress)
    for _ in bar:
        images, found, truth = samples.batch(generator.choice(len(samples), batch_size))
        loss = point_error(refiner(images, found), truth).mean()
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        schedule.step()
        losses.append(loss.item())
        bar.set_postfix(px=f"{np.mean(losses[-50:]):.3f}")
    refiner.eval()
    return losses


@torch.inference_mode()
def median_errors(refiner: LandmarkRefiner, samples: LandmarkSamples) -> dict[str, float]:
    """{kind: median point error (pixels) of the refined landmarks; "<kind> found": of dlib's}."""
    result = {}
    for kind in np.unique(samples.kinds):
        rows = np.flatnonzero(samples.kinds == kind)
        images, found, truth = samples.batch(rows)
        refined = torch.cat(
            [refiner(images[i : i + 256], found[i : i + 256]) for i in range(0, len(rows), 256)]
        )
        result[str(kind)] = float(point_error(refined, truth).median())
        result[f"{kind} found"] = float(point_error(found, truth).median())
    return result


def add_refiner(payload: dict, config: DFRECConfig) -> DFREC:
    """A DFREC of `config` holding every weight of a checkpoint payload whose network has no
    landmark refiner yet (or an older one); only the refiner's weights may be missing."""
    if not config.tirm.refiner_patch_size:
        raise ValueError(f"the {config.variant!r} config has no landmark refiner")
    model = DFREC(config)
    stored = {
        name: tensor
        for name, tensor in payload["state_dict"].items()
        if not name.startswith(REFINER_PREFIX)
    }
    missing, unexpected = model.load_state_dict(stored, strict=False)
    foreign = [name for name in missing if not name.startswith(REFINER_PREFIX)] + unexpected
    if foreign:
        raise ValueError(
            f"the checkpoint's weights do not fit the {config.variant!r} config: {foreign}"
        )
    return model


def train_landmark_refiner(
    init: Path,
    out: Path,
    samples_path: Path,
    count: int,
    steps: int,
    batch_size: int,
    learning_rate: float,
    patch_size: int = 16,
    seed: int = 0,
) -> dict[str, float]:
    """Train a refiner reading patch_size patches, added to the registry's config of init's
    variant, on `count` fakes of the training people (cached at samples_path); keep init's other
    weights; write out. Returns the median point errors on fakes of the test people (refined,
    and as found)."""
    payload = read_payload(init)
    torch.manual_seed(seed)  # the refiner's starting weights
    config = create_config(payload["variant"])
    tirm = replace(config.tirm, refiner_patch_size=patch_size)
    model = add_refiner(payload, replace(config, tirm=tirm))
    size = model.config.geometry.image_size
    faces = AlignedFaces.load(prepare_cache(DEFAULT_DATA_ROOT, size))
    utkface = AlignedFaces.load(prepare_cache(DEFAULT_SOURCE_ONLY_ROOT, size))
    split = folder_split(DEFAULT_DATA_ROOT, TEST_FRACTION, SPLIT_SEED)
    if samples_path.is_file():
        samples = load_samples(samples_path)
    else:
        samples = landmark_samples(
            AlignedFaces.concatenate(faces, utkface),
            list(split.train),
            list(np.unique(utkface.identities)),
            count,
            seed,
        )
        save_samples(samples, samples_path)
    losses = train_refiner(
        model.tirm.landmark_refiner, samples, steps, batch_size, learning_rate, seed
    )
    held_out = landmark_samples(faces, list(split.test), [], HELD_OUT_COUNT, seed + 1)
    errors = median_errors(model.tirm.landmark_refiner, held_out)
    metadata = {
        **payload["metadata"],
        "landmark_refiner": {
            "samples": len(samples),
            "steps": steps,
            "batch_size": batch_size,
            "learning_rate": learning_rate,
            "final_loss_px": float(np.mean(losses[-100:])),
            "test_people_median_px": errors,
        },
    }
    save_checkpoint(model, out, metadata)
    return errors
