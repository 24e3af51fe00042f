"""Figure grids of the wild evaluation (dfrec.training.figures.save_recovery_grid): one row per
image with its aligned input, the ISM mask, the recovered faces, the true faces where known, and
a caption tile with its scores."""

from __future__ import annotations

import re
from pathlib import Path
from typing import NamedTuple

import numpy as np
import torch
from PIL import Image, ImageDraw

from dfrec.training.figures import save_recovery_grid

CAPTION_LINE_HEIGHT = 12  # px between caption lines (PIL's default font is ~10 px tall)
CAPTION_CHAR_WIDTH = 6  # px per character of PIL's default font: longer lines are cut


class GridImages(NamedTuple):
    """Every scored image: inputs, sources, targets (N, 3, S, S) and masks (N, 1, S, S) in
    [0, 1]; true_source, true_target (N,) int: the row of the fake's true face among the inputs,
    -1 when unknown or not a fake; captions: N lists of lines."""

    inputs: torch.Tensor
    masks: torch.Tensor
    sources: torch.Tensor
    targets: torch.Tensor
    true_source: np.ndarray
    true_target: np.ndarray
    captions: list[list[str]]


def caption_tile(lines: list[str], size: int) -> torch.Tensor:
    """Black text on a white tile, one line per entry. -> (3, size, size) float32 in [0, 1]."""
    tile = Image.new("RGB", (size, size), "white")
    draw = ImageDraw.Draw(tile)
    characters = max(1, (size - 4) // CAPTION_CHAR_WIDTH)
    for number, line in enumerate(lines):
        draw.text((2, 2 + number * CAPTION_LINE_HEIGHT), line[:characters], fill="black")
    return torch.from_numpy(np.array(tile)).permute(2, 0, 1).float() / 255.0


def _true_face(images: GridImages, row: int) -> torch.Tensor:
    if row < 0:
        return caption_tile(["none known"], images.inputs.shape[-1])
    return images.inputs[row]


def save_grid(images: GridImages, rows: list[int], path: Path) -> Path:
    """The PNG at path: one grid row per index in rows (at least one)."""
    columns: dict[str, list[torch.Tensor]] = {}
    for index in rows:
        tiles = {
            "input": images.inputs[index],
            "ISM mask": images.masks[index].expand(3, -1, -1),
            "recovered source": images.sources[index],
            "recovered target": images.targets[index],
            "true source": _true_face(images, int(images.true_source[index])),
            "true target": _true_face(images, int(images.true_target[index])),
            "scores": caption_tile(images.captions[index], images.inputs.shape[-1]),
        }
        for name, tile in tiles.items():
            columns.setdefault(name, []).append(tile)
    return save_recovery_grid({name: torch.stack(tiles) for name, tiles in columns.items()}, path)


def file_stem(tool: str) -> str:
    """A tool's name as a file name: "DeepFakes (FF++ method)" -> "deepfakes-ff-method"."""
    return re.sub(r"[^a-z0-9]+", "-", tool.lower()).strip("-") or "tool"
