"""Validate an uploaded image and normalize it to an upright 8-bit RGB PNG of bounded size.

Checks run cheapest first: the format, the declared pixels, frames and decode memory come from
the header alone (service.image_budget), so a bomb is refused before any pixel is decoded.
Then only the first frame is decoded and converted band by band (service.image_convert).
"""

import hashlib
import io
import logging
from dataclasses import dataclass

from PIL import Image, UnidentifiedImageError

from dfrec_contract.record import InputFacts
from service.errors import ApiError, ErrorCode
from service.image_budget import (
    DecodeBudget,
    check_declared,
    check_decode_memory,
    reduce_jpeg_decoding,
)
from service.image_convert import orientation, reduced_rgb, upright

logger = logging.getLogger(__name__)

SUPPORTED_FORMATS = ("JPEG", "PNG", "WEBP")


@dataclass(frozen=True)
class NormalizedImage:
    png: bytes
    facts: InputFacts


def _unsupported() -> ApiError:
    formats = ", ".join(SUPPORTED_FORMATS)
    return ApiError(415, ErrorCode.UNSUPPORTED_MEDIA_TYPE, f"not an image of type {formats}")


def _undecodable() -> ApiError:
    return ApiError(422, ErrorCode.UNDECODABLE_IMAGE, "the image's pixels do not decode")


def encode_png(image: Image.Image) -> bytes:
    """PNG without metadata: the same pixels always give the same bytes."""
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", compress_level=1)
    return buffer.getvalue()


def _open(data: bytes) -> Image.Image:
    try:
        return Image.open(io.BytesIO(data), formats=SUPPORTED_FORMATS)
    except UnidentifiedImageError as error:
        raise _unsupported() from error
    except Image.DecompressionBombError as error:
        raise ApiError(413, ErrorCode.TOO_MANY_PIXELS, str(error)) from error


def _decode(data: bytes, budget: DecodeBudget) -> tuple[Image.Image, str]:
    """The first frame, upright RGB within the working size, and the format name.

    Decoders parse hostile bytes: whatever they raise means the pixels do not decode (422).
    """
    try:
        image = _open(data)
        check_declared(image, budget)
        reduce_jpeg_decoding(image, budget.working_max_side)
        check_decode_memory(image, budget)
        image.load()
        rgb = reduced_rgb(image, budget.working_max_side)
        return upright(rgb, orientation(image)), str(image.format)
    except ApiError:
        raise
    except Exception as error:  # noqa: BLE001 - see the docstring
        logger.info("undecodable upload: %r", error)
        raise _undecodable() from error


def normalize_image(data: bytes, budget: DecodeBudget) -> NormalizedImage:
    """The upload as an upright RGB PNG plus its facts; ApiError when it is not acceptable."""
    rgb, format_name = _decode(data, budget)
    facts = InputFacts(
        sha256=hashlib.sha256(data).hexdigest(),
        format=format_name,
        width=rgb.width,
        height=rgb.height,
        size_bytes=len(data),
    )
    return NormalizedImage(png=encode_png(rgb), facts=facts)
