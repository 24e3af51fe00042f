"""The DFREC training loop: synthetic forgeries in, paper losses, resumable to the step."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from dfrec.checkpoint import FORMAT, save_checkpoint
from dfrec.data.faces import AlignedFaces
from dfrec.losses import DFRECLoss, LossConfig
from dfrec.models.dfrec import DFREC
from dfrec.models.patches import patchify
from dfrec.noise import NOISE_HIGH
from dfrec.registry import create_config
from dfrec.training import distributed
from dfrec.training.config import TrainConfig
from dfrec.training.figures import save_recovery_grid
from dfrec.training.pretrain import Pretraining
from dfrec.training.runner import load_training_data, run_training


def compute_losses(
    model: torch.nn.Module, loss: DFRECLoss, batch: dict, patch_size: int, num_patches: int
) -> tuple[dict[str, torch.Tensor], object]:
    """One forward pass and every loss term. Algorithm 1's noise comes from torch's RNG."""
    fake = batch["fake"]
    noise = torch.rand(fake.shape[0], num_patches, device=fake.device) * NOISE_HIGH
    output = model(fake, noise, batch["landmarks"])
    terms = loss(
        recovered_source=output.source,
        true_source=batch["source"],
        recovered_target=output.target,
        true_target=batch["target"],
        predicted_patches=output.predicted_patches,
        true_patches=patchify(batch["target"], patch_size),
        masked=output.masked,
        mask_logits=output.mask_logits,
        true_mask=batch["mask"],
        fake_logit=output.fake_logit,
        is_fake=batch["is_fake"],
    )
    return terms, output


def save_preview(model: DFREC, preview: dict, path: Path, num_patches: int) -> None:
    """Recovered faces of fixed test-identity samples, for people to look at."""
    model.eval()
    with torch.no_grad():
        noise = torch.full((preview["fake"].shape[0], num_patches), NOISE_HIGH / 2)
        output = model(preview["fake"], noise.to(preview["fake"].device), preview["landmarks"])
    model.train()
    save_recovery_grid(
        {
            "fake": preview["fake"],
            "true target": preview["target"],
            "recovered target": output.target,
            "true source": preview["source"],
            "recovered source": output.source,
            "mask": output.mask,
            "true mask": preview["mask"],
        },
        path,
    )


def mean_face(faces: AlignedFaces, rows: np.ndarray) -> torch.Tensor:
    """The mean of the given aligned crops: (3, S, S) in [0, 1]."""
    total = np.zeros(faces.crops.shape[1:], np.float64)
    for row in rows:
        total += faces.crops[row]
    return torch.from_numpy(total / max(len(rows), 1) / 255.0).float().permute(2, 0, 1)


def train(config: TrainConfig) -> Path:
    """Train (or resume) into config.out_dir; returns the path of the model checkpoint."""
    placement = distributed.setup()
    torch.manual_seed(config.seed + placement.rank)
    model_config = create_config(config.variant)
    geometry = model_config.geometry
    data = load_training_data(config, geometry.image_size, placement)
    model = DFREC(model_config)
    model.ism.load_encoder_weights()  # replaced below when resuming or fine-tuning
    data_initialised: frozenset[str] = frozenset()
    if model.tirm.pixel_prior is not None:
        model.tirm.set_pixel_prior(mean_face(data.dataset.faces, data.dataset.rows))
        data_initialised = frozenset({"tirm.pixel_prior"})
    model = model.to(placement.device)
    if config.stage == "pretrain":
        trained: torch.nn.Module = Pretraining(
            model, config.networks, config.mae_terms(), config.ism_lovasz_weight
        )

        def compute_terms(wrapped, batch):
            return wrapped(batch)
    else:
        trained = model
        loss_config = LossConfig(
            perceptual_size=config.perceptual_size, patch_weight=config.patch_weight
        )
        loss = DFRECLoss(loss_config).to(placement.device)

        def compute_terms(wrapped, batch):
            terms, _ = compute_losses(
                wrapped, loss, batch, geometry.patch_size, geometry.num_patches
            )
            return terms

    optimizer = torch.optim.AdamW(
        (parameter for parameter in trained.parameters() if parameter.requires_grad),
        lr=config.learning_rate,
        weight_decay=config.weight_decay,
    )
    checkpoint_path = run_training(
        config,
        placement,
        trained,
        optimizer,
        data.dataset,
        compute_terms=compute_terms,
        save_preview=lambda path: save_preview(model, data.preview, path, geometry.num_patches),
        save_model=lambda path, metadata: save_checkpoint(model, path, metadata),
        checkpoint_path=config.out_dir / f"dfrec-{config.variant}.pt",
        checkpoint_format=FORMAT,
        init_module=model,
        data_initialised=data_initialised,
        fresh=config.fresh_networks,
        # pretraining feeds the MAE blank f_t: columns it cannot train must not stay random
        on_start=model.tirm.silence_identity_fusion
        if config.stage == "pretrain" and "tirm" in config.networks
        else None,
    )
    distributed.teardown(placement)
    return checkpoint_path
