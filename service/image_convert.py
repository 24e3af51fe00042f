"""Decoded pixels of any mode -> an upright 8-bit RGB photo no larger than the working size.

The conversion runs in horizontal bands: each band is converted to RGB (alpha composited on
white) and box-reduced by one integer factor, so besides the decoded image only one band of
RGBA and the small result are ever held, whatever the mode.
"""

import logging
import math

from PIL import Image

logger = logging.getLogger(__name__)

ALPHA_BACKGROUND = (255, 255, 255)
SIXTEEN_BIT_MODES = ("I;16", "I;16L", "I;16B", "I;16N", "I")
BAND_PIXELS = 1 << 20
"""Pixels per band (x 4 bytes in RGBA)."""
ORIENTATION_TAG = 0x0112
TRANSPOSES = {
    2: (Image.Transpose.FLIP_LEFT_RIGHT,),
    3: (Image.Transpose.ROTATE_180,),
    4: (Image.Transpose.FLIP_TOP_BOTTOM,),
    5: (Image.Transpose.TRANSPOSE,),
    6: (Image.Transpose.ROTATE_270,),
    7: (Image.Transpose.TRANSVERSE,),
    8: (Image.Transpose.ROTATE_90,),
}


def to_rgb(image: Image.Image) -> Image.Image:
    """8-bit RGB from any mode: 16-bit scaled down, alpha composited on white, CMYK converted."""
    if image.mode in SIXTEEN_BIT_MODES:
        image = image.convert("I").point(lambda value: value * (1 / 257) + 0.5).convert("L")
    if image.mode in ("P", "PA"):
        image = image.convert("RGBA")
    if "A" in image.getbands():
        rgba = image.convert("RGBA")
        background = Image.new("RGBA", rgba.size, ALPHA_BACKGROUND + (255,))
        image = Image.alpha_composite(background, rgba)
    return image.convert("RGB")


def reduction_factor(size: tuple[int, int], max_side: int) -> int:
    return max(1, math.ceil(max(size) / max_side))


def reduced_rgb(image: Image.Image, max_side: int) -> Image.Image:
    """RGB, box-reduced by the smallest integer factor that fits max_side; band by band."""
    factor = reduction_factor(image.size, max_side)
    width, height = image.size
    rows = max(factor, BAND_PIXELS // max(1, width) // factor * factor)
    out = Image.new("RGB", (math.ceil(width / factor), math.ceil(height / factor)))
    for top in range(0, height, rows):
        band = to_rgb(image.crop((0, top, width, min(height, top + rows))))
        if factor > 1:
            band = band.reduce(factor)
        out.paste(band, (0, top // factor))
    return out


def orientation(image: Image.Image) -> int:
    """The EXIF orientation (1-8), 1 when absent or unreadable.

    EXIF is an untrusted sub-format with its own parser; any failure to read it (a tag of the
    wrong type, a broken IFD) means "no orientation", never a failed upload.
    """
    try:
        value = image.getexif().get(ORIENTATION_TAG, 1)
    except Exception as error:  # noqa: BLE001 - see the docstring
        logger.info("unreadable EXIF ignored: %r", error)
        return 1
    return value if isinstance(value, int) and value in TRANSPOSES else 1


def upright(image: Image.Image, exif_orientation: int) -> Image.Image:
    for method in TRANSPOSES.get(exif_orientation, ()):
        image = image.transpose(method)
    return image
