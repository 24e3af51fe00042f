"""DFREC training: one step on the tiny variant writes everything, a resume continues, and a
fine-tune starts from a checkpoint's weights and step; --cpu-bf16 runs the step under autocast
and is refused on a CPU without native bfloat16."""

import argparse
import dataclasses
from pathlib import Path

import pytest
import torch

from dfrec.checkpoint import (
    FORMAT,
    CheckpointError,
    init_checkpoint,
    load_checkpoint,
    save_checkpoint,
)
from dfrec.cli import build_parser, main, parse_mix, run_options
from dfrec.models.dfrec import DFREC
from dfrec.registry import create_config
from dfrec.training import loop, runner
from dfrec.training.config import TrainConfig
from dfrec.training.loop import train
from dfrec.training.runner import initial_state


@pytest.mark.data
@pytest.mark.slow
def test_one_step_training_smoke_and_resume(smallest_run: dict, tmp_path: Path) -> None:
    config = TrainConfig(variant="tiny", **smallest_run)
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


@pytest.mark.data
@pytest.mark.slow
@pytest.mark.parametrize("cpu_bf16", [False, True])
def test_cpu_bf16_runs_the_step_under_autocast_and_keeps_float32_weights(
    cpu_bf16: bool, smallest_run: dict, monkeypatch: pytest.MonkeyPatch
) -> None:
    autocast_seen = []
    compute_losses = loop.compute_losses

    def losses_recording_autocast(*args, **kwargs):
        autocast_seen.append(torch.is_autocast_enabled("cpu"))
        return compute_losses(*args, **kwargs)

    monkeypatch.setattr(loop, "compute_losses", losses_recording_autocast)
    monkeypatch.setattr(runner, "native_cpu_bf16", lambda: True)  # any CPU runs the path
    config = TrainConfig(variant="tiny", **smallest_run, cpu_bf16=cpu_bf16)
    model, _ = load_checkpoint(train(config))
    assert autocast_seen == [cpu_bf16]
    assert all(
        parameter.dtype == torch.float32 and torch.isfinite(parameter).all()
        for parameter in model.parameters()
    )


@pytest.mark.data
def test_cpu_bf16_is_refused_without_native_bf16_before_training(
    smallest_run: dict, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    monkeypatch.setattr(runner, "native_cpu_bf16", lambda: False)
    config = TrainConfig(variant="tiny", **smallest_run, cpu_bf16=True)
    with pytest.raises(ValueError, match="native bfloat16"):
        train(config)
    assert not (smallest_run["out_dir"] / "dfrec-tiny.pt").exists()
    argv = ["train", "--variant", "tiny", "--cpu-bf16", "--out", str(smallest_run["out_dir"])]
    assert main(argv) == 2
    assert "Train without --cpu-bf16" in capsys.readouterr().err
    assert runner.cpu_bf16_refusal(torch.device("cuda")) is None  # CUDA autocasts anyway


def test_cpu_bf16_option_reaches_the_run_config() -> None:
    for argv, expected in ((["train"], False), (["train", "--cpu-bf16"], True)):
        assert run_options(build_parser().parse_args(argv))["cpu_bf16"] is expected


@pytest.mark.data
@pytest.mark.slow
def test_fine_tuning_continues_from_the_checkpoint_step_and_weights(
    smallest_run: dict, tmp_path: Path
) -> None:
    torch.manual_seed(3)
    start = save_checkpoint(DFREC(create_config("tiny")), tmp_path / "start.pt", {"step": 5})
    config = TrainConfig(
        variant="tiny",
        **smallest_run | {"steps": 6},
        mix={"swap": 0.5, "pristine": 0.5},
        init_from=start,
    )
    model, metadata = load_checkpoint(train(config))
    assert metadata["step"] == 6
    assert metadata["train_config"]["mix"] == {"swap": 0.5, "pristine": 0.5}
    assert metadata["train_config"]["init_from"] == str(start)
    state = torch.load(tmp_path / "run" / "train_state.pt", weights_only=False)
    assert [record["step"] for record in state["history"]] == [6]
    # One AdamW step at lr 1e-4 moves the weights only slightly away from the start.
    started, _ = load_checkpoint(start)
    moved = [
        (trained - initial).abs().max().item()
        for trained, initial in zip(model.parameters(), started.parameters(), strict=True)
    ]
    assert 0.0 < max(moved) < 1e-2


@pytest.mark.data
def test_fine_tuning_refuses_another_variant(smallest_run: dict, tmp_path: Path) -> None:
    start = init_checkpoint("small", tmp_path / "small.pt")
    config = TrainConfig(variant="tiny", **smallest_run, init_from=start)
    with pytest.raises(CheckpointError, match="holds variant 'small'"):
        train(config)


def test_fine_tuning_a_newer_config_may_lack_only_the_data_initialised_parameters(
    tmp_path: Path,
) -> None:
    """A checkpoint from before the pixel prior existed starts a prior config's run; any other
    missing weight is refused."""
    config = create_config("tiny")
    no_prior = dataclasses.replace(config.tirm, pixel_prior=False, geometry_prior=False)
    older = DFREC(dataclasses.replace(config, tirm=no_prior))
    start = save_checkpoint(older, tmp_path / "start.pt", {"step": 4})
    newer = DFREC(config)
    assert newer.tirm.pixel_prior is not None
    run = TrainConfig(variant="tiny", out_dir=tmp_path / "run", init_from=start)
    optimizer = torch.optim.AdamW(newer.parameters())
    with pytest.raises(CheckpointError, match="tirm.pixel_prior"):
        initial_state(run, newer, optimizer, FORMAT)
    state = initial_state(
        run, newer, optimizer, FORMAT, data_initialised=frozenset({"tirm.pixel_prior"})
    )
    assert state.step == 4


def test_fresh_networks_keep_their_scratch_start_and_the_others_come_from_the_file(
    tmp_path: Path,
) -> None:
    torch.manual_seed(1)
    start = save_checkpoint(DFREC(create_config("tiny")), tmp_path / "start.pt", {"step": 4})
    torch.manual_seed(2)
    model = DFREC(create_config("tiny"))
    scratch_ism = {name: value.clone() for name, value in model.ism.state_dict().items()}
    run = TrainConfig(
        variant="tiny", out_dir=tmp_path / "run", init_from=start, fresh_networks=("ism",)
    )
    state = initial_state(run, model, torch.optim.AdamW(model.parameters()), FORMAT, fresh=("ism",))
    assert state.step == 4
    started, _ = load_checkpoint(start)
    for name in ("sirm", "tirm"):
        for mine, filed in zip(
            getattr(model, name).parameters(), getattr(started, name).parameters(), strict=True
        ):
            assert torch.equal(mine, filed)
    for name, value in model.ism.state_dict().items():
        assert torch.equal(value, scratch_ism[name])
    assert not torch.equal(
        next(model.ism.parameters()), next(started.ism.parameters())
    )  # the file's ISM differs, and was not loaded
    with pytest.raises(ValueError, match="fresh_networks"):
        TrainConfig(variant="tiny", fresh_networks=("ism",))  # nothing to take the rest from


def test_run_config_round_trips_paths_and_mix(tmp_path: Path) -> None:
    config = TrainConfig(out_dir=tmp_path, init_from=tmp_path / "start.pt", mix={"blend": 1.0})
    assert TrainConfig.from_dict(config.to_dict()) == config
    plain = TrainConfig()
    assert TrainConfig.from_dict(plain.to_dict()) == plain and plain.init_from is None


def test_mix_option_parses_shares() -> None:
    assert parse_mix("swap=0.8,pristine=0.2") == {"swap": 0.8, "pristine": 0.2}
    with pytest.raises(argparse.ArgumentTypeError):
        parse_mix("swap:0.8")
