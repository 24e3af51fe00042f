"""Training DRN on the same synthetic forgeries, with the same step loop, as DFREC.

DRN learns from (I_ori, I_fake) = (our target, our fake); the source is not used.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import torch

from dfrec.baselines.drn import DRN
from dfrec.baselines.drn_checkpoint import FORMAT, save_drn
from dfrec.baselines.drn_config import create_drn_config
from dfrec.baselines.drn_losses import DRNLoss
from dfrec.training import distributed
from dfrec.training.config import RunConfig
from dfrec.training.figures import save_recovery_grid
from dfrec.training.runner import Batch, load_training_data, run_training


@dataclass(frozen=True)
class DRNTrainConfig(RunConfig):
    """A DRN run; the optimizer is the paper's Adam (lr 3e-4, betas 0.5 / 0.999)."""

    variant: str = "drn-small"
    out_dir: Path = Path("runs/drn-small")
    learning_rate: float = 3e-4
    betas: tuple[float, float] = (0.5, 0.999)


def drn_terms(model: torch.nn.Module, loss: DRNLoss, batch: Batch) -> dict[str, torch.Tensor]:
    """One training pass on (original = target, fake) and the six loss terms."""
    return loss(model(batch["target"], batch["fake"]), batch["target"])


def save_drn_preview(model: DRN, preview: Batch, path: Path) -> None:
    """Traced targets of fixed test-identity samples (and the target rebuilt from itself)."""
    model.eval()
    with torch.no_grad():
        traced = model.trace(preview["fake"])
        rebuilt = model.trace(preview["target"])
    model.train()
    save_recovery_grid(
        {
            "fake": preview["fake"],
            "true target": preview["target"],
            "traced target": traced,
            "target rebuilt": rebuilt,
            "true source": preview["source"],
        },
        path,
    )


def train_drn(config: DRNTrainConfig) -> Path:
    """Train (or resume) into config.out_dir; returns the path of the model checkpoint."""
    placement = distributed.setup()
    torch.manual_seed(config.seed + placement.rank)
    model_config = create_drn_config(config.variant)
    data = load_training_data(config, model_config.image_size, placement)
    model = DRN(model_config).to(placement.device)
    optimizer = torch.optim.Adam(model.parameters(), lr=config.learning_rate, betas=config.betas)
    loss = DRNLoss(model_config.vector_dim).to(placement.device)
    checkpoint_path = run_training(
        config,
        placement,
        model,
        optimizer,
        data.dataset,
        compute_terms=lambda trained, batch: drn_terms(trained, loss, batch),
        save_preview=lambda path: save_drn_preview(model, data.preview, path),
        save_model=lambda path, metadata: save_drn(model, path, metadata),
        checkpoint_path=config.out_dir / f"{config.variant}.pt",
        checkpoint_format=FORMAT,
    )
    distributed.teardown(placement)
    return checkpoint_path
