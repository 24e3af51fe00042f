"""`dfrec recover IMAGE... --out DIR`: the embedded default, no server needed.

Each photo's largest face is found and aligned exactly as in training and in the worker
(dfrec.data.align); `--no-align` feeds the whole image resized instead (for crops that are
already aligned). Writes crop / mask / source / target PNGs per input and scores.json.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from dfrec.imageio import open_rgb, png_bytes, to_model_input
from dfrec.pipeline import Recoverer, recover


def model_input(path: Path, size: int, align: bool) -> np.ndarray | None:
    """(3, size, size) float32 in [0, 1], or None when aligning and no face is found."""
    photo = open_rgb(path)
    if not align:
        return to_model_input(photo, size)
    from dfrec.data.align import align_face, detect_faces  # dlib loads only when aligning

    pixels = np.asarray(photo)
    faces = detect_faces(pixels)
    if not faces:
        return None
    crop = align_face(pixels, faces[0].landmarks, size).crop
    return (crop.astype(np.float32) / 255.0).transpose(2, 0, 1).copy()


def run_recover(
    images: list[Path], out_dir: Path, checkpoint: Path, align: bool = True
) -> list[dict[str, object]]:
    """Write the PNGs per input and scores.json; return the scores."""
    recoverer = Recoverer.from_checkpoint(checkpoint)
    size = recoverer.geometry.image_size
    inputs = {path: model_input(path, size, align) for path in images}
    found = [path for path, array in inputs.items() if array is not None]
    result = recover(recoverer, np.stack([inputs[path] for path in found])) if found else None
    out_dir.mkdir(parents=True, exist_ok=True)
    scores: list[dict[str, object]] = []
    for index, path in enumerate(images):
        if path not in found:
            scores.append({"input": str(path), "status": "not_applicable", "reason": "no_face"})
            continue
        row = found.index(path)
        stem = f"{index:03d}_{path.stem}"
        artifacts = {
            "crop": inputs[path],
            "mask": result.mask[row].numpy(),
            "source": result.source_face[row].numpy(),
            "target": result.target_face[row].numpy(),
        }
        for name, array in artifacts.items():
            (out_dir / f"{stem}_{name}.png").write_bytes(png_bytes(array))
        scores.append(
            {
                "input": str(path),
                "status": "succeeded",
                "fake_probability": float(result.fake_probability[row]),
                "artifacts": {name: f"{stem}_{name}.png" for name in artifacts},
            }
        )
    (out_dir / "scores.json").write_text(json.dumps(scores, indent=2) + "\n")
    return scores
