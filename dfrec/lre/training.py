"""Training LRE in the paper's two stages, with DFREC's step loop (resume, progress bar, loss
log, curves, sample grids).

- stage "mae": the masked autoencoder on real faces only (pristine items, colour jitter),
  key region masked, the other masked patches drawn at random; Eq. 1 on the masked patches.
  `mae_from` may name a DFREC checkpoint: its TIRM was pretrained as an MAE on real faces.
- stage "detector": the MAE and the extractor frozen, the detector trained with BCE on real vs
  fake (the forgery mix of the run); `mae_from` names the MAE stage's LRE checkpoint;
  `detector_from` (optional) an LRE checkpoint whose trained detector this run continues
  (instead of the extractor's ImageNet start).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import torch
import torch.nn.functional as F

from dfrec.lre.checkpoint import FORMAT, load_detector_weights, load_mae_weights, save_lre
from dfrec.lre.config import create_lre_config
from dfrec.lre.model import LRE
from dfrec.training import distributed
from dfrec.training.config import RunConfig
from dfrec.training.figures import save_recovery_grid
from dfrec.training.runner import Batch, load_training_data, run_training

LRE_STAGES = ("mae", "detector")


@dataclass(frozen=True)
class LRETrainConfig(RunConfig):
    """An LRE run; Adam at the paper's learning rate 1e-4."""

    variant: str = "lre-small"
    out_dir: Path = Path("runs/lre-small")
    learning_rate: float = 1e-4
    stage: str = "detector"
    mae_from: Path | None = None  # weights of the MAE: an LRE or a DFREC checkpoint
    detector_from: Path | None = None  # detector weights to continue from: an LRE checkpoint

    def __post_init__(self) -> None:
        if self.stage not in LRE_STAGES:
            raise ValueError(f"stage must be one of {LRE_STAGES}, got {self.stage!r}")
        if self.stage == "detector" and self.mae_from is None:
            raise ValueError("the detector stage needs mae_from: the MAE stage's checkpoint")
        if self.stage == "mae" and self.detector_from is not None:
            raise ValueError("detector_from is for the detector stage")


def mae_terms(model: LRE, batch: Batch) -> dict[str, torch.Tensor]:
    images = batch["target"]
    noise = torch.rand(images.shape[0], model.config.num_patches, device=images.device)
    loss = model.mae.forward_loss(images, model.mae(images, noise))
    return {"mae": loss, "total": loss}


def detector_terms(model: LRE, batch: Batch) -> dict[str, torch.Tensor]:
    images = batch["fake"]
    noise = torch.rand(images.shape[0], model.config.num_patches, device=images.device)
    bce = F.binary_cross_entropy_with_logits(model(images, noise).fake_logit, batch["is_fake"])
    return {"bce": bce, "total": bce}


def save_lre_preview(model: LRE, preview: Batch, path: Path) -> None:
    """Input, reconstruction, heat map and the true blend mask of fixed test-identity samples."""
    from dfrec.lre.render import display_heatmap

    model.eval()
    with torch.no_grad():
        output = model(preview["fake"])
    model.train()
    save_recovery_grid(
        {
            "input": preview["fake"],
            "reconstruction": output.reconstruction,
            "heat map": display_heatmap(output.heatmap, model.config.heatmap_display_max),
            "true mask": preview["mask"],
        },
        path,
    )


def train_lre(config: LRETrainConfig) -> Path:
    """Train (or resume) one stage into config.out_dir; returns the model checkpoint's path."""
    placement = distributed.setup()
    torch.manual_seed(config.seed + placement.rank)
    model_config = create_lre_config(config.variant)
    data = load_training_data(config, model_config.image_size, placement)
    model = LRE(model_config)
    if config.detector_from is None:
        model.load_detector_start()
        detector_source = "extractor-start"
    else:
        detector_source = load_detector_weights(model, config.detector_from)
    source = load_mae_weights(model, config.mae_from) if config.mae_from else "random"
    model = model.to(placement.device)
    if config.stage == "mae":
        trained_parameters = model.mae.parameters()
        model.detector.requires_grad_(False)

        def compute_terms(wrapped, batch):
            return mae_terms(model, batch)
    else:
        trained_parameters = model.detector.parameters()
        model.mae.requires_grad_(False)

        def compute_terms(wrapped, batch):
            return detector_terms(model, batch)

    optimizer = torch.optim.Adam(trained_parameters, lr=config.learning_rate)
    checkpoint_path = run_training(
        config,
        placement,
        model,
        optimizer,
        data.dataset,
        compute_terms=compute_terms,
        save_preview=lambda path: save_lre_preview(model, data.preview, path),
        save_model=lambda path, metadata: save_lre(
            model,
            path,
            {
                **metadata,
                "stage": config.stage,
                "mae_from": source,
                "detector_from": detector_source,
            },
        ),
        checkpoint_path=config.out_dir / f"{config.variant}.pt",
        checkpoint_format=FORMAT,
    )
    distributed.teardown(placement)
    return checkpoint_path
