"""Does a second landmark finder, pulled differently by the pasted face, give the geometry prior
better points? MediaPipe's face mesh (468 points, a 3-D face model; bench/mesh_points.py, run
in its own environment) is found on each fake, mapped to dlib's 68-point scheme by a ridge
regression fitted on real training faces (their mesh -> the 68 landmarks alignment found on
their photo), and the shipped model's recovered target is drawn on:

- dlib's landmarks on the fake (what the service does);
- the mesh's, mapped to 68 points;
- the mean of the two.

Prints each source's median distance from the target's own landmarks and the judge's /
FaceNet's retrieval of the true target and of the source (the evaluation's test sets, gallery
and exclusions). Where the mesh finds no face, dlib's points stand in.

    python3.11 -m venv /tmp/mediapipe && /tmp/mediapipe/bin/pip install mediapipe==0.10.21
    python -m bench.mesh_landmarks --mediapipe-python /tmp/mediapipe/bin/python
        [--people test] [--samples 512] [--bank 4000]

Not a test: a measurement, printed as a table.
"""

from __future__ import annotations

import argparse
import subprocess
import tempfile
from pathlib import Path

import numpy as np

from bench.landmark_sources import geometry_prior_model, recovered_targets
from dfrec.data.align import crop_landmarks_68
from dfrec.data.faces import AlignedFaces
from dfrec.data.prepare import prepare_cache
from dfrec.data.splits import folder_split
from dfrec.evaluation.aggregate import FeatureCache
from dfrec.evaluation.reference_faces import (
    judged_test_data,
    leak_table,
    reference_rows,
    table_header,
)
from dfrec.evaluation.samples import PEOPLE, SPLIT_SEED, SYNTHESIZERS, TEST_FRACTION
from dfrec.training.config import DEFAULT_DATA_ROOT

RIDGE = 10.0  # the map's L2 weight (1 to 100 gave the same error on held-out real faces)


def to_uint8(images) -> np.ndarray:
    """images (N, 3, S, S) float in [0, 1] -> (N, S, S, 3) uint8."""
    return (images.numpy().transpose(0, 2, 3, 1) * 255).round().astype(np.uint8)


def mesh_points(python: Path, crops: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """The face mesh (N, 468, 2) of each named crop set (N, S, S, 3) uint8, NaN without a face,
    found by bench/mesh_points.py under the given interpreter."""
    with tempfile.TemporaryDirectory() as folder:
        inputs, outputs = Path(folder) / "crops.npz", Path(folder) / "points.npz"
        np.savez(inputs, **crops)
        script = Path(__file__).with_name("mesh_points.py")
        subprocess.run([str(python), str(script), str(inputs), str(outputs)], check=True)
        found = np.load(outputs)
        return {name: found[name] for name in found.files}


def fit_map(mesh: np.ndarray, landmarks: np.ndarray):
    """Ridge regression from mesh points (N, 468, 2) to landmarks (N, 68, 2), fitted on the
    faces with a mesh; returns mesh (M, 468, 2) -> (M, 68, 2) float32."""
    found = ~np.isnan(mesh[:, 0, 0])
    inputs = mesh[found].reshape(found.sum(), -1).astype(np.float64)
    outputs = landmarks[found].reshape(found.sum(), -1).astype(np.float64)
    input_mean, output_mean = inputs.mean(0), outputs.mean(0)
    centred = inputs - input_mean
    weights = np.linalg.solve(
        centred.T @ centred + RIDGE * np.eye(centred.shape[1]), centred.T @ (outputs - output_mean)
    )

    def mapped(points: np.ndarray) -> np.ndarray:
        flat = np.nan_to_num(points).reshape(len(points), -1)
        return ((flat - input_mean) @ weights + output_mean).reshape(-1, 68, 2).astype(np.float32)

    return mapped


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mediapipe-python", type=Path, required=True)
    parser.add_argument("--checkpoint", type=Path, default=Path("weights/dfrec-small.pt"))
    parser.add_argument("--people", choices=PEOPLE, default="test")
    parser.add_argument("--samples", type=int, default=512)
    parser.add_argument("--bank", type=int, default=4000, help="training faces the map learns on")
    args = parser.parse_args()
    model = geometry_prior_model(parser, args.checkpoint)
    size = model.config.geometry.image_size
    faces = AlignedFaces.load(prepare_cache(DEFAULT_DATA_ROOT, size))
    split = folder_split(DEFAULT_DATA_ROOT, TEST_FRACTION, SPLIT_SEED)
    bank = faces.indices_of(list(split.train))[: args.bank]
    data, references, galleries = judged_test_data(size, args.samples, args.people)
    crops = {"bank": faces.crops[bank]}
    crops |= {kind: to_uint8(data.sets[kind].fake) for kind in SYNTHESIZERS}
    mesh = mesh_points(args.mediapipe_python, crops)
    mapped = fit_map(mesh["bank"], faces.landmarks_68[bank])
    title = f"landmarks (N = {args.samples}, {args.people} people), median px from the target's"
    print(table_header("target", title))
    leaks = []
    for kind in SYNTHESIZERS:
        truth = data.sets[kind]
        dlib_points = crop_landmarks_68(truth.fake.numpy())
        mesh_68 = np.where(np.isnan(mesh[kind][:, :1, :1]), dlib_points, mapped(mesh[kind]))
        own = faces.landmarks_68[truth.target_rows]
        sources = {
            "dlib on the fake (shipped)": dlib_points,
            "the face mesh on the fake, mapped to 68": mesh_68,
            "the mean of the two": (dlib_points + mesh_68) / 2,
        }
        targets = {
            f"{name}, {np.median(np.linalg.norm(points - own, axis=-1)):.2f} px": (
                recovered_targets(model, truth.fake, points)
            )
            for name, points in sources.items()
        }
        described = FeatureCache()
        for line in reference_rows(truth, "target", targets, references, galleries, described):
            print(line, flush=True)
        leaks += reference_rows(truth, "source", targets, references, galleries, described)
    print(leak_table(title, leaks))


if __name__ == "__main__":
    main()
