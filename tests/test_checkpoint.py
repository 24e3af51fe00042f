"""Checkpoints load strictly and say what is wrong; the `dfrec recover` CLI is deterministic."""

import json
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from dfrec.checkpoint import (
    FORMAT,
    CheckpointError,
    init_checkpoint,
    load_checkpoint,
    save_checkpoint,
)
from dfrec.cli import main
from dfrec.pipeline import Recoverer, recover
from dfrec.registry import create_config


@pytest.fixture(scope="module")
def tiny_checkpoint(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return init_checkpoint("tiny", tmp_path_factory.mktemp("weights") / "tiny.pt", seed=3)


def edited_checkpoint(source: Path, target: Path, edit) -> Path:
    """Copy of `source` whose payload went through `edit(payload)`."""
    payload = torch.load(source, map_location="cpu", weights_only=True)
    edit(payload)
    torch.save(payload, target)
    return target


def test_round_trip_gives_identical_outputs(tiny_checkpoint: Path, tmp_path: Path) -> None:
    model, metadata = load_checkpoint(tiny_checkpoint)
    assert metadata == {"trained": False, "seed": 3}
    assert model.config == create_config("tiny")
    size = model.config.geometry.image_size
    images = np.random.default_rng(1).random((2, 3, size, size), dtype=np.float32)
    before = recover(Recoverer(model), images)
    resaved = tmp_path / "again.pt"
    save_checkpoint(model, resaved)
    after = recover(Recoverer.from_checkpoint(resaved), images)
    for a, b in zip(before, after, strict=True):
        assert torch.equal(a, b)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(CheckpointError, match="does not exist"):
        load_checkpoint(tmp_path / "absent.pt")


def test_not_a_torch_file(tmp_path: Path) -> None:
    path = tmp_path / "notes.pt"
    path.write_text("not a checkpoint\n")
    with pytest.raises(CheckpointError, match="not a readable torch file"):
        load_checkpoint(path)


def test_wrong_format_tag(tiny_checkpoint: Path, tmp_path: Path) -> None:
    path = edited_checkpoint(
        tiny_checkpoint, tmp_path / "old.pt", lambda p: p.update(format="dfrec-checkpoint/0")
    )
    with pytest.raises(CheckpointError, match=f"'dfrec-checkpoint/0', expected '{FORMAT}'"):
        load_checkpoint(path)


def test_state_dict_missing_key(tiny_checkpoint: Path, tmp_path: Path) -> None:
    key = "tirm.mask_token"
    path = edited_checkpoint(
        tiny_checkpoint, tmp_path / "missing.pt", lambda p: p["state_dict"].pop(key)
    )
    with pytest.raises(CheckpointError, match="Missing key") as error:
        load_checkpoint(path)
    assert key in str(error.value) and "'tiny'" in str(error.value)


def test_state_dict_wrong_shape(tiny_checkpoint: Path, tmp_path: Path) -> None:
    key = "tirm.to_pixels.weight"

    def widen(payload: dict) -> None:
        payload["state_dict"][key] = torch.zeros(7, 7)

    path = edited_checkpoint(tiny_checkpoint, tmp_path / "shape.pt", widen)
    with pytest.raises(CheckpointError, match="size mismatch") as error:
        load_checkpoint(path)
    assert key in str(error.value)


def test_payload_missing_entry(tiny_checkpoint: Path, tmp_path: Path) -> None:
    path = edited_checkpoint(tiny_checkpoint, tmp_path / "bare.pt", lambda p: p.pop("state_dict"))
    with pytest.raises(CheckpointError, match="lacks state_dict"):
        load_checkpoint(path)


def test_variant_disagrees_with_config(tiny_checkpoint: Path, tmp_path: Path) -> None:
    path = edited_checkpoint(
        tiny_checkpoint, tmp_path / "renamed.pt", lambda p: p.update(variant="small")
    )
    with pytest.raises(CheckpointError, match="says variant 'small' but its config is 'tiny'"):
        load_checkpoint(path)


@pytest.fixture(scope="module")
def face_images(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    folder = tmp_path_factory.mktemp("faces")
    rng = np.random.default_rng(2)
    paths = []
    for name, size in (("a", (90, 70)), ("b", (64, 64))):
        path = folder / f"{name}.png"
        Image.fromarray(rng.integers(0, 256, (*size, 3), dtype=np.uint8)).save(path)
        paths.append(path)
    return paths


def run_cli(
    face_images: list[Path], checkpoint: Path, out: Path, *options: str
) -> dict[str, bytes]:
    code = main(
        ["recover", *map(str, face_images), "--out", str(out), "--checkpoint", str(checkpoint)]
        + ["--no-align", *options]
    )
    assert code == 0
    return {path.name: path.read_bytes() for path in sorted(out.iterdir())}


def test_recover_cli_writes_outputs_deterministically(
    face_images: list[Path], tiny_checkpoint: Path, tmp_path: Path, capsys
) -> None:
    first = run_cli(face_images, tiny_checkpoint, tmp_path / "first")
    printed = json.loads(capsys.readouterr().out)
    second = run_cli(face_images, tiny_checkpoint, tmp_path / "second")
    expected = {"scores.json"} | {
        f"{index:03d}_{path.stem}_{kind}.png"
        for index, path in enumerate(face_images)
        for kind in ("crop", "mask", "source", "target")
    }
    assert set(first) == expected
    assert first == second
    scores = json.loads(first["scores.json"])
    assert [entry["input"] for entry in scores] == list(map(str, face_images))
    assert all(0.0 <= entry["fake_probability"] <= 1.0 for entry in scores)
    size = create_config("tiny").geometry.image_size
    mask = Image.open(tmp_path / "first" / scores[0]["artifacts"]["mask"])
    assert mask.size == (size, size) and mask.mode == "L"
    assert printed == scores


def test_recover_cli_bad_checkpoint_exits_2(
    face_images: list[Path], tmp_path: Path, capsys
) -> None:
    bad = tmp_path / "bad.pt"
    bad.write_bytes(b"\x00" * 64)
    code = main(
        ["recover", str(face_images[0]), "--out", str(tmp_path / "out"), "--checkpoint", str(bad)]
    )
    assert code == 2
    assert f"error: checkpoint {bad} is not a readable torch file" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


@pytest.mark.data
def test_recover_cli_aligns_the_face_and_reports_photos_without_one(
    celeba_root: Path, tiny_checkpoint: Path, tmp_path: Path
) -> None:
    photo = sorted(celeba_root.glob("*/*.jpg"))[0]
    gradient = tmp_path / "gradient.png"
    ramp = np.tile(np.linspace(0, 255, 160).astype(np.uint8), (160, 1))
    Image.fromarray(np.stack([ramp] * 3, axis=-1)).save(gradient)
    out = tmp_path / "out"
    code = main(
        [
            "recover",
            str(photo),
            str(gradient),
            "--out",
            str(out),
            "--checkpoint",
            str(tiny_checkpoint),
        ]
    )
    assert code == 0
    scores = json.loads((out / "scores.json").read_text())
    assert scores[0]["status"] == "succeeded"
    assert scores[1] == {"input": str(gradient), "status": "not_applicable", "reason": "no_face"}
    crop = Image.open(out / scores[0]["artifacts"]["crop"])
    size = create_config("tiny").geometry.image_size
    assert crop.size == (size, size)


def test_ship_with_the_current_config_keeps_weights_and_records_the_trained_one(tmp_path):
    import dataclasses

    from dfrec.checkpoint import CheckpointError, ship_checkpoint
    from dfrec.models.dfrec import DFREC

    config = create_config("tiny")
    trained = dataclasses.replace(config, sirm=dataclasses.replace(config.sirm, composite="mask"))
    source = save_checkpoint(DFREC(trained), tmp_path / "trained.pt", {"step": 3})
    model, metadata = load_checkpoint(
        ship_checkpoint(source, tmp_path / "shipped.pt", current_config=True)
    )
    assert model.config == config and metadata["trained_config"]["sirm"]["composite"] == "mask"
    assert metadata["step"] == 3
    older = dataclasses.replace(config, tirm=dataclasses.replace(config.tirm, deblock_width=0))
    stored = save_checkpoint(DFREC(older), tmp_path / "stored.pt", metadata)  # shipped once
    _, reshipped = load_checkpoint(ship_checkpoint(stored, tmp_path / "again.pt", True))
    assert reshipped["trained_config"]["sirm"]["composite"] == "mask"  # still the trained one

    wider = dataclasses.replace(
        config, sirm=dataclasses.replace(config.sirm, channels=(8, 16, 32, 64, 128))
    )
    other = save_checkpoint(DFREC(wider), tmp_path / "other.pt")
    with pytest.raises(CheckpointError, match="do not fit the current 'tiny' config"):
        ship_checkpoint(other, tmp_path / "refused.pt", current_config=True)
