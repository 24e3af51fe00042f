"""Validate an uploaded image and normalize it to an 8-bit RGB PNG, upright.

Checks run cheapest first: the format and the pixel count come from the header alone, so a
decompression bomb is refused before any pixel is decoded.
"""

import hashlib
import io
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError

from service.errors import ApiError, ErrorCode
from service.jobstore import InputFacts

SUPPORTED_FORMATS = ("JPEG", "PNG", "WEBP")
ALPHA_BACKGROUND = (255, 255, 255)
SIXTEEN_BIT_MODES = ("I;16", "I;16L", "I;16B", "I;16N", "I")


@dataclass(frozen=True)
class NormalizedImage:
    png: bytes
    facts: InputFacts


def _unsupported() -> ApiError:
    formats = ", ".join(SUPPORTED_FORMATS)
    return ApiError(415, ErrorCode.UNSUPPORTED_MEDIA_TYPE, f"not an image of type {formats}")


def _undecodable(error: Exception) -> ApiError:
    return ApiError(422, ErrorCode.UNDECODABLE_IMAGE, f"the image does not decode: {error}")


def _too_many_pixels(width: int, height: int, max_pixels: int) -> ApiError:
    return ApiError(
        413,
        ErrorCode.TOO_MANY_PIXELS,
        f"{width} x {height} pixels exceeds the limit of {max_pixels}",
    )


def to_rgb(image: Image.Image) -> Image.Image:
    """8-bit RGB from any mode: 16-bit scaled down, alpha composited on white, CMYK converted."""
    if image.mode in SIXTEEN_BIT_MODES:
        image = image.convert("I").point(lambda value: value * (1 / 257) + 0.5).convert("L")
    if image.mode == "P":
        image = image.convert("RGBA")
    if "A" in image.getbands():
        rgba = image.convert("RGBA")
        background = Image.new("RGBA", rgba.size, ALPHA_BACKGROUND + (255,))
        image = Image.alpha_composite(background, rgba)
    return image.convert("RGB")


def encode_png(image: Image.Image) -> bytes:
    """PNG without metadata: the same pixels always give the same bytes."""
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", compress_level=1)
    return buffer.getvalue()


def normalize_image(data: bytes, max_pixels: int) -> NormalizedImage:
    """The upload as an upright RGB PNG plus its facts; ApiError when it is not acceptable."""
    try:
        image = Image.open(io.BytesIO(data), formats=SUPPORTED_FORMATS)
    except UnidentifiedImageError as error:
        raise _unsupported() from error
    except Image.DecompressionBombError as error:
        raise ApiError(413, ErrorCode.TOO_MANY_PIXELS, str(error)) from error
    except (OSError, ValueError, SyntaxError) as error:
        raise _undecodable(error) from error
    width, height = image.size
    if width * height > max_pixels:
        raise _too_many_pixels(width, height, max_pixels)
    try:
        image.load()
        upright = ImageOps.exif_transpose(image)
        rgb = to_rgb(upright)
    except Image.DecompressionBombError as error:
        raise ApiError(413, ErrorCode.TOO_MANY_PIXELS, str(error)) from error
    except (OSError, ValueError, SyntaxError, EOFError) as error:
        raise _undecodable(error) from error
    facts = InputFacts(
        sha256=hashlib.sha256(data).hexdigest(),
        format=str(image.format),
        width=rgb.width,
        height=rgb.height,
        size_bytes=len(data),
    )
    return NormalizedImage(png=encode_png(rgb), facts=facts)
