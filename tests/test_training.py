"""DFREC training: one step on the tiny variant writes everything, and a resume continues."""

import dataclasses
from pathlib import Path

import pytest
import torch

from dfrec.checkpoint import load_checkpoint
from dfrec.training.config import TrainConfig
from dfrec.training.loop import train


@pytest.mark.data
@pytest.mark.slow
def test_one_step_training_smoke_and_resume(celeba_root: Path, tmp_path: Path) -> None:
    config = TrainConfig(
        variant="tiny",
        data_root=celeba_root,
        out_dir=tmp_path / "run",
        steps=1,
        batch_size=2,
        items_per_epoch=4,
        num_workers=0,
        log_every=1,
        sample_every=1,
        checkpoint_every=1,
    )
    checkpoint = train(config)
    assert checkpoint == tmp_path / "run" / "dfrec-tiny.pt"
    for name in ("train_state.pt", "split.json", "loss_curves.png", "samples/step_000001.png"):
        assert (tmp_path / "run" / name).is_file(), name
    model, metadata = load_checkpoint(checkpoint)
    assert metadata["step"] == 1 and metadata["trained"] is True
    assert all(torch.isfinite(parameter).all() for parameter in model.parameters())

    _, metadata = load_checkpoint(train(dataclasses.replace(config, steps=2)))
    assert metadata["step"] == 2
    state = torch.load(tmp_path / "run" / "train_state.pt", weights_only=False)
    assert [record["step"] for record in state["history"]] == [1, 2]
    assert all(
        torch.isfinite(torch.tensor(value))
        for record in state["history"]
        for value in record.values()
    )
