"""Worker pre- and postprocessing: deterministic, shape-correct, byte-identical PNGs."""

import hashlib
import io

import numpy as np
from PIL import Image

from dfrec.noise import batch_masking_noise
from worker.postprocess import encode_png, to_uint8
from worker.preprocess import load_rgb, to_model_input


def png_bytes(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def sample_image() -> Image.Image:
    gradient = Image.linear_gradient("L").resize((90, 70))
    return Image.merge("RGB", (gradient, gradient.rotate(90), gradient.rotate(180)))


def test_model_input_shape_range_and_determinism() -> None:
    data = png_bytes(sample_image())
    first = to_model_input(load_rgb(data), 32)
    second = to_model_input(load_rgb(data), 32)
    assert first.shape == (3, 32, 32) and first.dtype == np.float32
    assert first.min() >= 0.0 and first.max() <= 1.0
    assert first.tobytes() == second.tobytes()
    noise = batch_masking_noise(first[np.newaxis], 4)
    assert noise.tobytes() == batch_masking_noise(second[np.newaxis], 4).tobytes()


def test_grayscale_input_becomes_three_channels() -> None:
    data = png_bytes(sample_image().convert("L"))
    assert to_model_input(load_rgb(data), 16).shape == (3, 16, 16)


def test_to_uint8_clips_and_rounds() -> None:
    array = np.array([[[-0.5, 0.0, 0.5 / 255, 1.5 / 255, 1.0, 2.0]]], dtype=np.float32)
    assert to_uint8(array)[0, :, 0].tolist() == [0, 0, 0, 2, 255, 255]


def test_png_is_byte_identical_for_identical_pixels_and_has_no_metadata() -> None:
    rng = np.random.default_rng(0)
    rgb = rng.random((3, 16, 16), dtype=np.float32)
    mask = rng.random((1, 16, 16), dtype=np.float32)
    first, second = encode_png(rgb), encode_png(rgb.copy())
    assert first.data == second.data
    assert first.facts()["sha256"] == hashlib.sha256(first.data).hexdigest()
    decoded = Image.open(io.BytesIO(first.data))
    assert decoded.mode == "RGB" and decoded.size == (16, 16) and not decoded.info.get("exif")
    assert Image.open(io.BytesIO(encode_png(mask).data)).mode == "L"
