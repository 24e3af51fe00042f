"""The step loop every model trains with: data, resume, progress bar, loss log, non-finite stop,
periodic sample grids and loss curves, training state and model checkpoints."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import NamedTuple

import numpy as np
import torch
from torch import nn
from torch.nn.parallel import DistributedDataParallel
from torch.utils.data import DataLoader
from tqdm import tqdm

from dfrec.checkpoint import CheckpointError, read_payload
from dfrec.data.dataset import REAL_TOOL_KINDS, SyntheticForgeries
from dfrec.data.faces import AlignedFaces
from dfrec.data.prepare import prepare_cache
from dfrec.data.real_tool import RealToolFaces
from dfrec.data.resynth import FaceResynthesizer
from dfrec.data.splits import IdentitySplit, folder_split
from dfrec.training import distributed
from dfrec.training.config import RunConfig
from dfrec.training.figures import save_loss_curves
from dfrec.training.state import STATE_FILE, TrainingState, load_state, save_state

PREVIEW_ROWS = 8

Batch = dict[str, torch.Tensor]


class NonFiniteLossError(RuntimeError):
    """Training stopped: a loss term became NaN or infinite."""


class TrainingData(NamedTuple):
    """Training forgeries of the train identities, and a fixed preview batch of test ones."""

    dataset: SyntheticForgeries
    preview: Batch  # fake, source, target: (R, 3, S, S); mask: (R, 1, S, S); is_fake: (R,)
    split: IdentitySplit


def to_device(batch: dict, device: torch.device) -> Batch:
    """The tensors of a dataset batch on `device` (drops the "kind" strings)."""
    return {key: value.to(device) for key, value in batch.items() if key != "kind"}


def resynthesizer(config: RunConfig) -> FaceResynthesizer | None:
    """The decoder that re-draws "resynth" items' faces: resynth_from's SIRM, else init_from's;
    None when the mix has no such items."""
    if config.mix.get("resynth", 0.0) <= 0:
        return None
    checkpoint = config.resynth_from or config.init_from
    if checkpoint is None:
        raise ValueError("resynth items need --resynth-from (or --init-from): whose SIRM re-draws")
    return FaceResynthesizer.from_checkpoint(checkpoint)


def real_tool_faces(config: RunConfig, image_size: int) -> RealToolFaces | None:
    """The realtool / tight_pristine items' faces; None when the mix has neither."""
    if not any(config.mix.get(kind, 0.0) > 0 for kind in REAL_TOOL_KINDS):
        return None
    folders = {"realtool": config.real_tool_fakes, "tight_pristine": config.tight_crops}
    for kind, option in (("realtool", "--real-tool-fakes"), ("tight_pristine", "--tight-crops")):
        if config.mix.get(kind, 0.0) > 0 and folders[kind] is None:
            raise ValueError(f"{kind} items need {option}")
    return RealToolFaces.load(config.real_tool_fakes, config.tight_crops, image_size)


def load_training_data(
    config: RunConfig, image_size: int, placement: distributed.Placement
) -> TrainingData:
    """Aligned faces at image_size, the identity split, forgeries; the main process saves the
    split next to the run."""
    faces = AlignedFaces.load(prepare_cache(config.data_root, image_size))
    split = folder_split(config.data_root, config.test_fraction, config.split_seed)
    source_only: tuple[str, ...] = ()
    if config.source_only_root is not None:
        extra = AlignedFaces.load(prepare_cache(config.source_only_root, image_size))
        faces = AlignedFaces.concatenate(faces, extra)
        source_only = tuple(np.unique(extra.identities).tolist())
    dataset = SyntheticForgeries(
        faces,
        split.train,
        config.items_per_epoch,
        mix=config.mix,
        seed=config.seed,
        source_only=source_only,
        augment=config.augment,
        mirror=config.mirror,
        align_jitter=config.align_jitter,
        wild_degrade=config.wild_degrade,
        video_degrade=config.video_degrade,
        resynthesize=resynthesizer(config),
        real_tool=real_tool_faces(config, image_size),
        source_only_pristine=config.source_only_pristine,
        source_only_targets=config.source_only_targets,
    )
    preview_set = SyntheticForgeries(faces, split.test, PREVIEW_ROWS, seed=config.seed + 1)
    preview = to_device(
        next(iter(DataLoader(preview_set, batch_size=PREVIEW_ROWS))), placement.device
    )
    if placement.is_main:
        config.out_dir.mkdir(parents=True, exist_ok=True)
        split.save(config.out_dir / "split.json")
    return TrainingData(dataset, preview, split)


def batches_from(
    dataset: SyntheticForgeries, config: RunConfig, step: int, placement: distributed.Placement
) -> Iterator[dict]:
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
            pin_memory=placement.device.type == "cuda",
        )
        for batch in loader:
            yield batch
            step += 1


def finite_values(terms: dict[str, torch.Tensor], step: int) -> dict[str, float]:
    """The terms as floats; NonFiniteLossError naming them all when any is NaN or infinite."""
    values = {name: value.item() for name, value in terms.items()}
    if not all(math.isfinite(value) for value in values.values()):
        raise NonFiniteLossError(f"step {step}: non-finite loss {values}")
    return values


def initial_state(
    config: RunConfig,
    model: nn.Module,
    optimizer: torch.optim.Optimizer,
    checkpoint_format: str,
    init_module: nn.Module | None = None,
    data_initialised: frozenset[str] = frozenset(),
    fresh: tuple[str, ...] = (),
) -> TrainingState:
    """Resume from out_dir's training state; else start from config.init_from's weights (at that
    checkpoint's step, fresh optimizer) loaded into init_module (default: model); else from
    scratch. data_initialised: parameters config.init_from may lack because the caller already
    set them from the data (a newer config's additions); fresh: top-level modules whose
    parameters are not taken from config.init_from (they keep their scratch start)."""
    state_path = config.out_dir / STATE_FILE
    if state_path.is_file():
        return load_state(state_path, model, optimizer)
    if config.init_from is None:
        return TrainingState()
    payload = read_payload(config.init_from, checkpoint_format)
    if payload["variant"] != config.variant:
        raise CheckpointError(
            f"{config.init_from} holds variant {payload['variant']!r}, the run trains "
            f"{config.variant!r}"
        )
    kept = {
        name: value
        for name, value in payload["state_dict"].items()
        if name.split(".")[0] not in fresh
    }
    missing, unexpected = (init_module or model).load_state_dict(kept, strict=False)  # fp16->32
    missing = [name for name in missing if name.split(".")[0] not in fresh]
    if unexpected or set(missing) - data_initialised:
        raise CheckpointError(
            f"{config.init_from} does not fit the network: missing {missing}, "
            f"unexpected {unexpected} (only {sorted(data_initialised)} may be missing)"
        )
    if missing:
        print(f"fine-tuning from {config.init_from}; started from the data: {missing}")
    return TrainingState(step=int(payload["metadata"].get("step", 0)))


def native_cpu_bf16() -> bool:
    """Whether this CPU computes bfloat16 natively (AVX512-BF16 or AMX)."""
    return torch.cpu._is_avx512_bf16_supported() or torch.cpu._is_amx_tile_supported()


def cpu_bf16_refusal(device: torch.device) -> str | None:
    """Why `--cpu-bf16` must not run on this device, or None. Without native bf16, autocast
    emulates it: bench/train_step.py measured a step 19x slower on a 2-core AVX2 EPYC."""
    if device.type != "cpu" or native_cpu_bf16():
        return None
    return (
        "--cpu-bf16 needs a CPU with native bfloat16 (AVX512-BF16 or AMX); this one has "
        f"{torch.backends.cpu.get_cpu_capability()} only, where bf16 is emulated and a training "
        "step is ~19x slower. Train without --cpu-bf16."
    )


def run_training(
    config: RunConfig,
    placement: distributed.Placement,
    model: nn.Module,
    optimizer: torch.optim.Optimizer,
    dataset: SyntheticForgeries,
    compute_terms: Callable[[nn.Module, Batch], dict[str, torch.Tensor]],
    save_preview: Callable[[Path], None],
    save_model: Callable[[Path, dict], Path],
    checkpoint_path: Path,
    checkpoint_format: str,
    init_module: nn.Module | None = None,
    data_initialised: frozenset[str] = frozenset(),
    fresh: tuple[str, ...] = (),
    on_start: Callable[[], None] | None = None,
) -> Path:
    """Train (or resume from config.out_dir's state) up to config.steps; returns checkpoint_path.

    compute_terms(trained, batch) -> named scalar losses including "total" (trained is `model`,
    wrapped in DDP under torchrun); save_preview(png path) draws samples; save_model(path,
    metadata) writes the model checkpoint; checkpoint_format is the format config.init_from
    must have; init_module is the part of `model` that config.init_from's weights fit (default:
    model itself); data_initialised, fresh: see initial_state; on_start runs once the weights are
    loaded, before the first step.
    """
    if config.cpu_bf16 and (refusal := cpu_bf16_refusal(placement.device)):
        raise ValueError(refusal)
    state_path = config.out_dir / STATE_FILE
    state = initial_state(
        config, model, optimizer, checkpoint_format, init_module, data_initialised, fresh
    )
    if on_start is not None:
        on_start()
    trained = DistributedDataParallel(model) if placement.world_size > 1 else model
    progress = tqdm(
        total=config.steps,
        initial=state.step,
        desc=f"train {config.variant}",
        disable=not placement.is_main,
        mininterval=10.0,
        dynamic_ncols=True,
    )
    autocast = placement.device.type == "cuda" or config.cpu_bf16
    running: dict[str, float] = {}  # loss sums since the last record
    running_steps = 0
    model.train()
    for batch in batches_from(dataset, config, state.step, placement):
        if state.step >= config.steps:
            break
        with torch.autocast(placement.device.type, torch.bfloat16, enabled=autocast):
            terms = compute_terms(trained, to_device(batch, placement.device))
        values = finite_values(terms, state.step)
        optimizer.zero_grad(set_to_none=True)
        terms["total"].backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), config.grad_clip)
        optimizer.step()
        state.step += 1
        progress.update(1)
        for name, value in values.items():
            running[name] = running.get(name, 0.0) + value
        running_steps += 1
        if state.step % config.log_every == 0:
            record = {"step": state.step} | {
                name: total / running_steps for name, total in running.items()
            }
            state.history.append(record)
            running, running_steps = {}, 0
            if placement.is_main:
                progress.set_postfix(total=f"{record['total']:.3f}")
                summary = " ".join(f"{k}={v:.4f}" for k, v in record.items() if k != "step")
                print(f"step {state.step} {summary}", flush=True)
        if not placement.is_main:
            continue
        if state.step % config.sample_every == 0 or state.step == config.steps:
            save_preview(config.out_dir / "samples" / f"step_{state.step:06d}.png")
            if state.history:
                save_loss_curves(state.history, config.out_dir / "loss_curves.png")
        if state.step % config.checkpoint_every == 0 or state.step == config.steps:
            save_state(state_path, model, optimizer, state, config.to_dict())
            save_model(
                checkpoint_path,
                {"trained": True, "step": state.step, "train_config": config.to_dict()},
            )
    progress.close()
    return checkpoint_path
