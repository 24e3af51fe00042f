"""`dfrec forge`: a whole-photo forgery whose truth is known, and the shipped model on it."""

import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from dfrec.cli import DEFAULT_CHECKPOINT, main
from dfrec.data.prepare import read_rgb
from dfrec.forge import forge_photo
from dfrec.recover_cli import run_recover

pytestmark = pytest.mark.data


@pytest.fixture(scope="module")
def pair(celeba_root):
    """The first photos of two test people: (source path, target path)."""
    return tuple(sorted((celeba_root / person).glob("*.jpg"))[0] for person in ("7208", "7209"))


@pytest.mark.parametrize("kind", ["swap", "blend", "similarity_swap"])
def test_the_fake_is_the_target_photo_outside_the_pasted_region(pair, kind):
    source, target = (read_rgb(path) for path in pair)
    forged = forge_photo(source, target, kind, seed=1)
    assert forged.fake.shape == target.shape and forged.fake.dtype == np.uint8
    assert forged.mask.shape == target.shape[:2] and forged.mask.dtype == np.float32
    assert 0.02 < forged.mask.mean() < 0.6 and forged.mask.max() > 0.99
    outside = forged.mask == 0
    assert np.array_equal(forged.fake[outside], target[outside])
    inside = forged.mask > 0.99
    difference = np.abs(forged.fake[inside].astype(np.int16) - target[inside].astype(np.int16))
    assert difference.mean() > 5
    again = forge_photo(source, target, kind, seed=1)
    assert np.array_equal(again.fake, forged.fake) and np.array_equal(again.mask, forged.mask)


def test_forge_command_writes_fake_mask_and_record_and_refuses_a_faceless_photo(
    pair, tmp_path, capsys
):
    out = tmp_path / "fake.png"
    assert main(["forge", str(pair[0]), str(pair[1]), "--kind", "blend", "--out", str(out)]) == 0
    record = json.loads(capsys.readouterr().out)
    assert record["kind"] == "blend" and record["seed"] == 0
    assert Path(record["mask"]) == tmp_path / "fake_mask.png"
    assert json.loads((tmp_path / "fake.json").read_text()) == record
    assert read_rgb(out).shape == read_rgb(pair[1]).shape
    assert read_rgb(Path(record["mask"])).shape[:2] == read_rgb(pair[1]).shape[:2]
    first = out.read_bytes()
    assert main(["forge", str(pair[0]), str(pair[1]), "--kind", "blend", "--out", str(out)]) == 0
    assert out.read_bytes() == first
    blank = tmp_path / "blank.png"
    Image.new("RGB", (200, 200), (128, 128, 128)).save(blank)
    assert main(["forge", str(blank), str(pair[1]), "--out", str(tmp_path / "no.png")]) == 2
    assert "no face found in the source photo" in capsys.readouterr().err
    assert not (tmp_path / "no.png").exists()


def test_shipped_model_calls_the_forged_photo_forged_and_the_target_real(pair, tmp_path):
    if not DEFAULT_CHECKPOINT.is_file():
        pytest.skip(f"shipped weights absent: {DEFAULT_CHECKPOINT}")
    fake = tmp_path / "swap.png"
    assert main(["forge", str(pair[0]), str(pair[1]), "--out", str(fake)]) == 0
    scores = run_recover([pair[1], fake], tmp_path / "out", DEFAULT_CHECKPOINT)
    assert [row["status"] for row in scores] == ["succeeded", "succeeded"]
    assert scores[0]["fake_probability"] < 0.5 < scores[1]["fake_probability"]
