"""Worker pre- and postprocessing: deterministic, shape-correct, byte-identical PNGs."""

import hashlib
import io

import numpy as np
from PIL import Image

from worker.postprocess import encode_png, to_uint8
from worker.preprocess import load_rgb


def png_bytes(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def sample_image() -> Image.Image:
    gradient = Image.linear_gradient("L").resize((90, 70))
    return Image.merge("RGB", (gradient, gradient.rotate(90), gradient.rotate(180)))


def test_load_rgb_is_upright_rgb_uint8_and_deterministic() -> None:
    data = png_bytes(sample_image())
    first, second = load_rgb(data), load_rgb(data)
    assert first.shape == (70, 90, 3) and first.dtype == np.uint8
    assert first.tobytes() == second.tobytes()


def test_the_fast_png_path_gives_pil_s_pixels() -> None:
    """An RGB PNG (what the API stores) decodes to exactly PIL's pixels; a PNG with an alpha
    channel (not the fast path) to its RGB part."""
    picture = sample_image()
    assert np.array_equal(load_rgb(png_bytes(picture)), np.asarray(picture))
    rgba = picture.copy()
    rgba.putalpha(128)
    assert np.array_equal(load_rgb(png_bytes(rgba)), np.asarray(picture))


def test_grayscale_input_becomes_three_channels() -> None:
    assert load_rgb(png_bytes(sample_image().convert("L"))).shape == (70, 90, 3)


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
