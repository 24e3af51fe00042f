"""Per-stage worker time for a 320 px photo and a 12-megapixel photo with one and five faces.

Photos are CelebA crops (../shared/data/celeba-id) pasted on a 4000 x 3000 canvas (or one crop
shrunk to 320 px), stored as the API stores them (RGB PNG, longest side at most
DFREC_WORKING_MAX_SIDE). Stages as the worker runs them (worker/pipeline.py): decode, detect +
align (preprocess), the ensemble (here the shipped weights in process, as a stand-in for
Triton), postprocess (artifact PNGs + faces pasted back) at the PNG level in use and at level 6.

    OMP_NUM_THREADS=1 nice -n 19 .venv/bin/python bench/worker_stages.py [--repeat 3]
"""

from __future__ import annotations

import argparse
import io
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

import numpy as np  # noqa: E402
from PIL import Image  # noqa: E402

from dfrec.noise import batch_masking_noise  # noqa: E402
from dfrec.pipeline import Recoverer  # noqa: E402
from worker import postprocess  # noqa: E402
from worker.config import WorkerSettings  # noqa: E402
from worker.context_images import feather_pixels  # noqa: E402
from worker.ensemble import EnsembleOutputs  # noqa: E402
from worker.face_results import face_outcome  # noqa: E402
from worker.faces import find_faces, model_input  # noqa: E402
from worker.preprocess import load_rgb  # noqa: E402

FACES = ROOT.parent / "shared" / "data" / "celeba-id"
CHECKPOINT = ROOT / "weights" / "dfrec-small.pt"
API_MAX_SIDE = 2048  # DFREC_WORKING_MAX_SIDE: the API stores at most this side


def face_crops(count: int) -> list[Image.Image]:
    paths = sorted(FACES.glob("*/*.jpg"))[::97][:count]
    return [Image.open(path).convert("RGB") for path in paths]


def canvas_photo(count: int, size: tuple[int, int] = (4000, 3000)) -> Image.Image:
    """`count` crops scaled 3x, side by side on a smooth gray canvas of `size`."""
    gradient = np.linspace(90, 170, size[0], dtype=np.float32)[None, :, None]
    canvas = Image.fromarray(np.broadcast_to(gradient, (size[1], size[0], 3)).astype(np.uint8))
    for slot, crop in enumerate(face_crops(count)):
        face = crop.resize((crop.width * 3, crop.height * 3), Image.Resampling.LANCZOS)
        canvas.paste(face, (150 + slot * (face.width + 60), 600 + (slot % 2) * 300))
    return canvas


def small_photo() -> Image.Image:
    crop = face_crops(1)[0]
    return crop.resize((320, round(320 * crop.height / crop.width)), Image.Resampling.LANCZOS)


def stored_upload(photo: Image.Image) -> bytes:
    """What the API hands the worker: an RGB PNG, longest side at most API_MAX_SIDE."""
    factor = max(photo.size) / API_MAX_SIDE
    if factor > 1:
        photo = photo.reduce(int(np.ceil(factor)))
    buffer = io.BytesIO()
    photo.save(buffer, format="PNG")
    return buffer.getvalue()


def infer(recoverer: Recoverer, images: np.ndarray) -> EnsembleOutputs:
    import torch

    noise = batch_masking_noise(images, recoverer.geometry.num_patches)
    with torch.inference_mode():
        output = recoverer.model(torch.from_numpy(images), torch.from_numpy(noise))
    return EnsembleOutputs(
        mask=output.mask.numpy(),
        fake_probability=torch.sigmoid(output.fake_logit).unsqueeze(1).numpy(),
        source=output.source.numpy(),
        target=output.target.numpy(),
    )


def timed(function, *args):
    start = time.perf_counter()
    value = function(*args)
    return value, (time.perf_counter() - start) * 1000


def run_job(upload: bytes, recoverer: Recoverer, settings: WorkerSettings) -> dict[str, float]:
    size = recoverer.geometry.image_size
    photo, decode_ms = timed(load_rgb, upload)
    search, detect_ms = timed(
        find_faces,
        photo,
        size,
        settings.max_faces,
        settings.min_face_size,
        settings.detection_budget,
    )
    outputs, infer_ms = timed(infer, recoverer, model_input(search.processable()))
    feather = feather_pixels(size, settings.paste_feather_fraction)
    times = {"decode": decode_ms, "detect+align": detect_ms, "infer (in process)": infer_ms}
    level = postprocess.PNG_COMPRESS_LEVEL
    for png_level in (level, 6):
        postprocess.PNG_COMPRESS_LEVEL = png_level
        outcome, post_ms = timed(face_outcome, photo, search, outputs, feather)
        stored = sum(len(artifact.data) for artifact in outcome.artifacts.values())
        times[f"postprocess png{png_level}"] = post_ms
        times[f"stored KiB png{png_level}"] = stored / 1024
    postprocess.PNG_COMPRESS_LEVEL = level
    times["faces"] = len(search.processable())
    times["photo"] = f"{photo.shape[1]}x{photo.shape[0]}"
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs per photo; the median is shown")
    args = parser.parse_args()
    recoverer = Recoverer.from_checkpoint(CHECKPOINT)
    settings = WorkerSettings()
    photos = {
        "320 px, 1 face": small_photo(),
        "12 MP, 1 face": canvas_photo(1),
        "12 MP, 5 faces": canvas_photo(5),
    }
    for name, photo in photos.items():
        upload = stored_upload(photo)
        runs = [run_job(upload, recoverer, settings) for _ in range(args.repeat)]
        fields = [key for key, value in runs[0].items() if isinstance(value, float)]
        median = {key: float(np.median([run[key] for run in runs])) for key in fields}
        pre = median["decode"] + median["detect+align"]
        post = median[f"postprocess png{postprocess.PNG_COMPRESS_LEVEL}"]
        print(f"{name}: stored {runs[0]['photo']}, {runs[0]['faces']} face(s) processed")
        for key in fields:
            unit = "KiB" if "KiB" in key else "ms"
            print(f"  {key:24s} {median[key]:8.1f} {unit}")
        print(
            f"  preprocess {pre:.1f} ms, postprocess {post:.1f} ms; worker / ensemble "
            f"{(pre + post) / median['infer (in process)']:.2f}x; png6 / png"
            f"{postprocess.PNG_COMPRESS_LEVEL} postprocess "
            f"{median['postprocess png6'] / post:.2f}x"
        )


if __name__ == "__main__":
    main()
