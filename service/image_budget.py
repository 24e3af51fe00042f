"""What one upload may cost, checked from the header before a single pixel is decoded.

Pillow keeps 1 byte per pixel for modes 1, L and P, 2 for 16-bit gray and 4 for everything
else (RGB is stored as RGBX). WebP decodes through libwebp's own RGBA canvas and copies of it
(measured: about four times the image), so it counts four times. A JPEG
is first set to decode at the smallest of 1/1, 1/2, 1/4, 1/8 scale that still covers the
working size (`draft`), and its budget is that of the reduced image.
"""

from dataclasses import dataclass

from PIL import Image

from service.errors import ApiError, ErrorCode

ONE_BYTE_MODES = ("1", "L", "P")
TWO_BYTE_MODES = ("I;16", "I;16L", "I;16B", "I;16N")
MULTI_BUFFERED_FORMATS = ("WEBP",)
WEBP_COPIES = 4


@dataclass(frozen=True)
class DecodeBudget:
    max_pixels: int
    max_frames: int
    max_decode_bytes: int
    working_max_side: int


def bytes_per_pixel(mode: str) -> int:
    if mode in ONE_BYTE_MODES:
        return 1
    if mode in TWO_BYTE_MODES:
        return 2
    return 4


def decode_bytes(image: Image.Image) -> int:
    """Bytes the decoded pixels of `image` (as opened, after any draft) will take."""
    copies = WEBP_COPIES if image.format in MULTI_BUFFERED_FORMATS else 1
    return image.width * image.height * bytes_per_pixel(image.mode) * copies


def reduce_jpeg_decoding(image: Image.Image, working_max_side: int) -> None:
    """Let libjpeg decode at a reduced scale when the photo is larger than the working size."""
    if image.format == "JPEG" and max(image.size) > working_max_side:
        scale = max(image.size) / working_max_side
        image.draft(None, (max(1, round(image.width / scale)), max(1, round(image.height / scale))))


def check_declared(image: Image.Image, budget: DecodeBudget) -> None:
    """ApiError 413 when the header declares more pixels or frames than the budget allows."""
    width, height = image.size
    if width * height > budget.max_pixels:
        raise ApiError(
            413,
            ErrorCode.TOO_MANY_PIXELS,
            f"{width} x {height} pixels exceeds the limit of {budget.max_pixels}",
        )
    frames = getattr(image, "n_frames", 1)
    if frames > budget.max_frames:
        raise ApiError(
            413,
            ErrorCode.TOO_MANY_FRAMES,
            f"{frames} frames exceeds the limit of {budget.max_frames}",
        )


def check_decode_memory(image: Image.Image, budget: DecodeBudget) -> None:
    """ApiError 413 when decoding `image` (after any draft) would exceed the memory budget."""
    needed = decode_bytes(image)
    if needed > budget.max_decode_bytes:
        raise ApiError(
            413,
            ErrorCode.TOO_MANY_PIXELS,
            f"{image.width} x {image.height} {image.mode} pixels need {needed >> 20} MiB to "
            f"decode; the limit is {budget.max_decode_bytes >> 20} MiB",
        )
