"""The DFREC training loop: synthetic forgeries in, paper losses, resumable to the step."""

from __future__ import annotations

import math
from pathlib import Path

import torch
from torch.nn.parallel import DistributedDataParallel
from torch.utils.data import DataLoader
from tqdm import tqdm

from dfrec.checkpoint import save_checkpoint
from dfrec.data.dataset import SyntheticForgeries
from dfrec.data.faces import AlignedFaces
from dfrec.data.prepare import prepare_cache
from dfrec.data.splits import folder_split
from dfrec.losses import DFRECLoss, LossConfig
from dfrec.models.dfrec import DFREC
from dfrec.models.patches import patchify
from dfrec.noise import NOISE_HIGH
from dfrec.registry import create_config
from dfrec.training import distributed
from dfrec.training.config import TrainConfig
from dfrec.training.figures import save_loss_curves, save_recovery_grid
from dfrec.training.state import STATE_FILE, TrainingState, load_state, save_state

PREVIEW_ROWS = 8


class NonFiniteLossError(RuntimeError):
    """Training stopped: a loss term became NaN or infinite."""


def batches_from(
    dataset: SyntheticForgeries, config: TrainConfig, step: int, placement: distributed.Placement
):
    """Endless batches starting exactly at `step`; items are fixed by (seed, epoch, index)."""
    global_batch = config.batch_size * placement.world_size
    per_epoch = len(dataset) // global_batch
    while True:
        epoch, offset = divmod(step, per_epoch)
        dataset.set_epoch(epoch)
        indices = [
            batch * global_batch + placement.rank * config.batch_size + item
            for batch in range(offset, per_epoch)
            for item in range(config.batch_size)
        ]
        loader = DataLoader(
            torch.utils.data.Subset(dataset, indices),
            batch_size=config.batch_size,
            shuffle=False,
            num_workers=config.num_workers,
            persistent_workers=False,
        )
        for batch in loader:
            yield batch
            step += 1


def compute_losses(
    model: torch.nn.Module, loss: DFRECLoss, batch: dict, patch_size: int, num_patches: int
) -> tuple[dict[str, torch.Tensor], object]:
    """One forward pass and every loss term. Algorithm 1's noise comes from torch's RNG."""
    fake = batch["fake"]
    noise = torch.rand(fake.shape[0], num_patches, device=fake.device) * NOISE_HIGH
    output = model(fake, noise)
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
        output = model(preview["fake"], noise.to(preview["fake"].device))
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


def train(config: TrainConfig) -> Path:
    """Train (or resume) into config.out_dir; returns the path of the model checkpoint."""
    placement = distributed.setup()
    torch.manual_seed(config.seed + placement.rank)
    model_config = create_config(config.variant)
    geometry = model_config.geometry
    faces = AlignedFaces.load(prepare_cache(config.data_root, geometry.image_size))
    split = folder_split(config.data_root, config.test_fraction, config.split_seed)
    dataset = SyntheticForgeries(faces, split.train, config.items_per_epoch, seed=config.seed)
    preview_set = SyntheticForgeries(faces, split.test, PREVIEW_ROWS, seed=config.seed + 1)
    preview = next(iter(DataLoader(preview_set, batch_size=PREVIEW_ROWS)))
    preview = {key: value.to(placement.device) for key, value in preview.items() if key != "kind"}

    model = DFREC(model_config).to(placement.device)
    optimizer = torch.optim.AdamW(
        model.parameters(), lr=config.learning_rate, weight_decay=config.weight_decay
    )
    loss = DFRECLoss(LossConfig(perceptual_size=config.perceptual_size)).to(placement.device)
    state_path = config.out_dir / STATE_FILE
    state = load_state(state_path, model, optimizer) if state_path.is_file() else TrainingState()
    trained = model
    if placement.world_size > 1:
        trained = DistributedDataParallel(model)
    checkpoint_path = config.out_dir / f"dfrec-{config.variant}.pt"
    if placement.is_main:
        config.out_dir.mkdir(parents=True, exist_ok=True)
        split.save(config.out_dir / "split.json")

    progress = tqdm(
        total=config.steps,
        initial=state.step,
        desc="train",
        disable=not placement.is_main,
        mininterval=10.0,
        dynamic_ncols=True,
    )
    running: dict[str, float] = {}
    model.train()
    for batch in batches_from(dataset, config, state.step, placement):
        if state.step >= config.steps:
            break
        batch = {key: value.to(placement.device) for key, value in batch.items() if key != "kind"}
        terms, _ = compute_losses(trained, loss, batch, geometry.patch_size, geometry.num_patches)
        if not all(math.isfinite(value.item()) for value in terms.values()):
            raise NonFiniteLossError(
                f"step {state.step}: non-finite loss { ({k: v.item() for k, v in terms.items()}) }"
            )
        optimizer.zero_grad(set_to_none=True)
        terms["total"].backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), config.grad_clip)
        optimizer.step()
        state.step += 1
        progress.update(1)
        for name, value in terms.items():
            running[name] = running.get(name, 0.0) + value.item()
        if state.step % config.log_every == 0:
            record = {"step": state.step} | {
                name: total / config.log_every for name, total in running.items()
            }
            state.history.append(record)
            running = {}
            if placement.is_main:
                progress.set_postfix(total=f"{record['total']:.3f}")
                summary = " ".join(f"{k}={v:.4f}" for k, v in record.items() if k != "step")
                print(f"step {state.step} {summary}", flush=True)
        if not placement.is_main:
            continue
        if state.step % config.sample_every == 0 or state.step == config.steps:
            save_preview(
                model,
                preview,
                config.out_dir / "samples" / f"step_{state.step:06d}.png",
                geometry.num_patches,
            )
            if state.history:
                save_loss_curves(state.history, config.out_dir / "loss_curves.png")
        if state.step % config.checkpoint_every == 0 or state.step == config.steps:
            save_state(state_path, model, optimizer, state, config.to_dict())
            save_checkpoint(
                model,
                checkpoint_path,
                {"trained": True, "step": state.step, "train_config": config.to_dict()},
            )
    progress.close()
    distributed.teardown(placement)
    return checkpoint_path
