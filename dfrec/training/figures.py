"""Pictures of a training run: the loss curves and grids of recovered faces."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import torch  # noqa: E402
from PIL import Image, ImageDraw  # noqa: E402


def save_loss_curves(history: list[dict[str, float]], path: Path) -> Path:
    """One line per loss term over training steps."""
    path.parent.mkdir(parents=True, exist_ok=True)
    steps = [record["step"] for record in history]
    figure, axis = plt.subplots(figsize=(8, 5))
    for name in [key for key in history[0] if key != "step"]:
        axis.plot(steps, [record[name] for record in history], label=name)
    axis.set_xlabel("step")
    axis.set_ylabel("loss")
    axis.set_yscale("log")
    axis.legend(fontsize=8)
    axis.grid(alpha=0.3)
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)
    return path


def to_tile(image: torch.Tensor) -> np.ndarray:
    """(C, S, S) in [0, 1], C = 1 or 3 -> (S, S, 3) uint8."""
    if image.shape[0] == 1:
        image = image.expand(3, -1, -1)
    return (image.clamp(0, 1).permute(1, 2, 0).numpy() * 255).round().astype(np.uint8)


def save_recovery_grid(
    columns: dict[str, torch.Tensor], path: Path, header: int = 16, gap: int = 2
) -> Path:
    """columns: name -> (B, C, S, S) tensors; one row per sample, named columns."""
    path.parent.mkdir(parents=True, exist_ok=True)
    names = list(columns)
    rows, size = next(iter(columns.values())).shape[0], next(iter(columns.values())).shape[-1]
    canvas = Image.new("RGB", (len(names) * (size + gap), header + rows * (size + gap)), "white")
    draw = ImageDraw.Draw(canvas)
    for column, name in enumerate(names):
        draw.text((column * (size + gap) + 2, 2), name[:22], fill="black")
        for row in range(rows):
            tile = Image.fromarray(to_tile(columns[name][row].detach().cpu().float()))
            canvas.paste(tile, (column * (size + gap), header + row * (size + gap)))
    canvas.save(path)
    return path
