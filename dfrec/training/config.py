"""Config objects of a training run; stored in every training checkpoint."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dfrec.config import PAPER_PATCH_WEIGHT
from dfrec.data.synth import DEFAULT_MIX

SHARED_DATA = Path(__file__).resolve().parents[3] / "shared" / "data"  # ../shared beside the repo
DEFAULT_DATA_ROOT = SHARED_DATA / "celeba-id"
DEFAULT_SOURCE_ONLY_ROOT = SHARED_DATA / "utkface"


@dataclass(frozen=True)
class RunConfig:
    """What every training run needs (data, schedule, output); models add their optimizer."""

    variant: str
    out_dir: Path
    data_root: Path = DEFAULT_DATA_ROOT
    steps: int = 2000
    batch_size: int = 8
    test_fraction: float = 0.2
    split_seed: int = 0
    seed: int = 0
    items_per_epoch: int = 4096
    num_workers: int = 1
    log_every: int = 10
    sample_every: int = 100
    checkpoint_every: int = 50
    grad_clip: float = 1.0
    mix: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_MIX))  # kind -> share
    # Weights to start from when out_dir holds no training state (fine-tuning); the step count
    # continues from the checkpoint's, the optimizer starts afresh.
    init_from: Path | None = None
    # Unlabelled face crops (e.g. ../shared/data/utkface) whose inner faces are pasted as
    # sources; unless source_only_targets, they are never targets.
    source_only_root: Path | None = None
    # Half the pristine items are source_only_root's untouched faces (ablation row 23: worse).
    source_only_pristine: bool = False
    # Half the targets and half the pristine items are source_only_root's faces (row 27: worse).
    source_only_targets: bool = False
    augment: bool = True  # colour jitter, and blur / JPEG / noise on the input
    mirror: bool = False  # half the items flipped left to right (all images and masks alike)
    # half the items moved off the alignment by a small random similarity (images, masks and
    # landmarks alike)
    align_jitter: bool = False
    # half the inputs through a resize chain and JPEG generations (faces cut from the web)
    wild_degrade: bool = False
    # half the inputs through one H.264 frame (faces in video frames)
    video_degrade: bool = False
    # The checkpoint whose SIRM re-draws the pasted faces of "resynth" items (default:
    # init_from); dfrec.data.resynth.
    resynth_from: Path | None = None
    # "realtool" items: a folder of a real swap tool's outputs; "tight_pristine" items: a folder
    # of untouched tight face crops (dfrec.data.real_tool)
    real_tool_fakes: Path | None = None
    tight_crops: Path | None = None
    # bf16 autocast on the CPU as well (refused on CPUs without AMX or AVX512-BF16); CUDA
    # always uses it.
    cpu_bf16: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            key: str(value) if isinstance(value, Path) else value
            for key, value in dataclasses.asdict(self).items()
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]):
        paths = {item.name for item in dataclasses.fields(cls) if "Path" in str(item.type)}
        return cls(
            **{
                key: Path(value) if key in paths and value is not None else value
                for key, value in data.items()
            }
        )


@dataclass(frozen=True)
class MAETerms:
    """The MAE's optional pretraining terms (0: off): FaceNet's identity term on the hidden
    faces (shown to FaceNet shrunk by `identity_downscale`), and the pixel-difference term."""

    identity_weight: float = 0.0
    identity_downscale: int = 1
    gradient_weight: float = 0.0


@dataclass(frozen=True)
class TrainConfig(RunConfig):
    """A DFREC run."""

    variant: str = "small"
    out_dir: Path = Path("runs/small")
    learning_rate: float = 1e-4  # AdamW, as in the paper
    weight_decay: float = 1e-5
    perceptual_size: int | None = 64  # VGG19 input side; 64 keeps CPU steps affordable
    patch_weight: float = PAPER_PATCH_WEIGHT  # lambda_3; see README for the shipped run's value
    stage: str = "full"  # "pretrain": each network on its own cheap task; "full": the paper's
    # Pretraining only: the networks that learn; the others are frozen and not run.
    networks: tuple[str, ...] = ("ism", "sirm", "tirm")
    # With init_from: networks that start as in a run from scratch instead of from the file
    # (e.g. an ISM trained on one synthesizer beside the file's forgery-free SIRM and TIRM).
    fresh_networks: tuple[str, ...] = ()
    # Pretraining only: weight of FaceNet's identity term on the MAE's face-region rows (0: off).
    mae_identity_weight: float = 0.0
    # ... and the factor both faces shrink by before FaceNet sees them (1: full resolution).
    mae_identity_downscale: int = 1
    # Pretraining only: weight of the pixel-difference term on the MAE's hidden faces (0: off).
    mae_gradient_weight: float = 0.0
    # Pretraining only: weight of the ISM's Lovasz hinge on the mask cut at 0.5 (0: off).
    ism_lovasz_weight: float = 0.0

    def mae_terms(self) -> MAETerms:
        """The MAE's optional pretraining terms as the pretraining stage takes them."""
        return MAETerms(
            self.mae_identity_weight, self.mae_identity_downscale, self.mae_gradient_weight
        )

    def __post_init__(self) -> None:
        if self.stage not in STAGES:
            raise ValueError(f"stage must be one of {STAGES}, got {self.stage!r}")
        unknown = set(self.networks) - set(NETWORKS)
        if unknown or not self.networks:
            raise ValueError(
                f"networks must be a non-empty subset of {NETWORKS}, got {self.networks}"
            )
        if set(self.fresh_networks) - set(NETWORKS):
            raise ValueError(f"fresh_networks must be among {NETWORKS}, got {self.fresh_networks}")
        if self.fresh_networks and self.init_from is None:
            raise ValueError("fresh_networks name networks not taken from init_from; give one")
        if self.stage == "full" and set(self.networks) != set(NETWORKS):
            raise ValueError("the full stage trains every network; --networks is for pretraining")
        if self.mae_identity_weight < 0 or (
            self.mae_identity_weight > 0 and self.stage != "pretrain"
        ):
            raise ValueError("mae_identity_weight is a non-negative pretraining weight")
        if self.mae_gradient_weight < 0 or (
            self.mae_gradient_weight > 0 and self.stage != "pretrain"
        ):
            raise ValueError("mae_gradient_weight is a non-negative pretraining weight")
        if self.ism_lovasz_weight < 0 or (self.ism_lovasz_weight > 0 and self.stage != "pretrain"):
            raise ValueError("ism_lovasz_weight is a non-negative pretraining weight")
        if self.mae_identity_downscale < 1:
            raise ValueError("mae_identity_downscale is a factor of at least 1")


STAGES = ("pretrain", "full")
NETWORKS = ("ism", "sirm", "tirm")
