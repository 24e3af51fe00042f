"""`dfrec recover IMAGE... --out DIR`: the embedded default, no server needed."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from dfrec.imageio import open_rgb, png_bytes, to_model_input
from dfrec.pipeline import Recoverer, recover


def run_recover(images: list[Path], out_dir: Path, checkpoint: Path) -> list[dict[str, object]]:
    """Write mask / source / target PNGs per input and scores.json; return the scores."""
    recoverer = Recoverer.from_checkpoint(checkpoint)
    size = recoverer.geometry.image_size
    batch = np.stack([to_model_input(open_rgb(path), size) for path in images])
    result = recover(recoverer, batch)
    out_dir.mkdir(parents=True, exist_ok=True)
    scores = []
    for index, path in enumerate(images):
        stem = f"{index:03d}_{path.stem}"
        artifacts = {
            "mask": result.mask[index].numpy(),
            "source": result.source_face[index].numpy(),
            "target": result.target_face[index].numpy(),
        }
        for name, array in artifacts.items():
            (out_dir / f"{stem}_{name}.png").write_bytes(png_bytes(array))
        scores.append(
            {
                "input": str(path),
                "fake_probability": float(result.fake_probability[index]),
                "artifacts": {name: f"{stem}_{name}.png" for name in artifacts},
            }
        )
    (out_dir / "scores.json").write_text(json.dumps(scores, indent=2) + "\n")
    return scores
