"""A generated corpus of hostile uploads: every case a whole POST /recover request body.

Families (counts in `corpus()`): the three probe findings (palette bomb, declared-size JPEG,
rational EXIF), truncations, bit flips (EXIF too), odd modes, animated, zero and extreme sizes,
oversize streams, broken multipart, and hostile videos (tests/hostile_videos.py).
Deterministic: the same seed gives the same bytes. Each case expects a 4xx or a 202, never a
5xx or a dropped connection.
"""

import functools
import io
import random
import struct
import zlib
from dataclasses import dataclass

from PIL import Image

BOUNDARY = "hostileboundary7MA4YWxk"
MULTIPART = f"multipart/form-data; boundary={BOUNDARY}"
PALETTE_BOMB_SIDE = 6324
DECLARED_JPEG_SIDE = 6000


@dataclass(frozen=True)
class HostileCase:
    family: str
    name: str
    body: bytes
    content_type: str = MULTIPART

    @property
    def id(self) -> str:
        return f"{self.family}/{self.name}"


def multipart(data: bytes, field: str = "image", filename: str = "face.jpg") -> bytes:
    head = (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{field}"; '
        f'filename="{filename}"\r\nContent-Type: application/octet-stream\r\n\r\n'
    ).encode()
    return head + data + f"\r\n--{BOUNDARY}--\r\n".encode()


def file_case(family: str, name: str, data: bytes) -> HostileCase:
    return HostileCase(family, name, multipart(data))


def encode(image: Image.Image, format: str, **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=format, **options)
    return buffer.getvalue()


def picture(mode: str = "RGB", size: tuple[int, int] = (96, 80)) -> Image.Image:
    """Structure (gradients) in `mode`, cheap to make."""
    gradient = Image.linear_gradient("L").resize(size)
    rgb = Image.merge(
        "RGB", (gradient, gradient.transpose(Image.Transpose.FLIP_LEFT_RIGHT), gradient.rotate(90))
    )
    return rgb.convert(mode)


# --- the probe's findings --------------------------------------------------------------------


@functools.cache
def palette_bomb(side: int = PALETTE_BOMB_SIDE) -> bytes:
    """A few KB: side x side one-bit palette PNG with a transparent colour."""
    image = Image.new("P", (side, side), 0)
    image.putpalette([255, 0, 0, 0, 0, 255])
    return encode(image, "PNG", bits=1, transparency=0, optimize=True)


@functools.cache
def declared_size_jpeg(side: int = DECLARED_JPEG_SIDE) -> bytes:
    """A small JPEG that really is side x side (flat grey, lowest quality)."""
    return encode(Image.new("L", (side, side), 128), "JPEG", quality=1)


def patched_jpeg_size(data: bytes, width: int, height: int) -> bytes:
    """The JPEG with its SOF header claiming width x height (the scan data stays small)."""
    at = next(data.index(marker) for marker in (b"\xff\xc0", b"\xff\xc2") if marker in data)
    return data[: at + 5] + struct.pack(">HH", height, width) + data[at + 9 :]


def patched_png_size(data: bytes, width: int, height: int) -> bytes:
    """The PNG with its IHDR claiming width x height (valid CRC)."""
    ihdr = bytearray(data[16:29])
    ihdr[0:8] = struct.pack(">II", width, height)
    crc = struct.pack(">I", zlib.crc32(b"IHDR" + bytes(ihdr)))
    return data[:16] + bytes(ihdr) + crc + data[33:]


def raw_png(width: int, height: int, bit_depth: int, color_type: int) -> bytes:
    """A PNG written chunk by chunk (for depths Pillow does not write), pixels a ramp."""
    channels = {0: 1, 2: 3, 4: 2, 6: 4}[color_type]
    row = bytes(range(256)) * (width * channels * bit_depth // 8 // 256 + 1)
    rows = b"".join(b"\0" + row[: width * channels * bit_depth // 8] for _ in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", width, height, bit_depth, color_type, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def exif_block(entries: list[tuple[int, int, int, bytes]], extra: bytes = b"") -> bytes:
    """Little-endian TIFF/EXIF: entries (tag, type, count, 4-byte value or offset)."""
    ifd = struct.pack("<H", len(entries))
    for tag, kind, count, value in entries:
        ifd += struct.pack("<HHI", tag, kind, count) + value
    ifd += struct.pack("<I", 0)
    return b"Exif\x00\x00" + b"II*\x00" + struct.pack("<I", 8) + ifd + extra


def rational_make_exif() -> bytes:
    """Orientation=6 and the Make tag stored as a RATIONAL: ImageOps.exif_transpose raised
    AttributeError on it (the probe's 500)."""
    entries_size = 2 + 2 * 12 + 4
    rational_at = 8 + entries_size
    return exif_block(
        [
            (0x010F, 5, 1, struct.pack("<I", rational_at)),  # Make as RATIONAL
            (0x0112, 3, 1, struct.pack("<HH", 6, 0)),  # Orientation SHORT 6
        ],
        extra=struct.pack("<II", 1, 2),
    )


def rational_exif_jpeg() -> bytes:
    return encode(picture(size=(60, 20)), "JPEG", exif=rational_make_exif())


# --- families --------------------------------------------------------------------------------


@functools.cache
def small_bases() -> dict[str, bytes]:
    """Valid small files in every accepted format and encoding flavour."""
    rgb = picture()
    return {
        "jpeg": encode(rgb, "JPEG", quality=90),
        "jpeg-progressive": encode(rgb, "JPEG", progressive=True),
        "jpeg-exif": encode(rgb, "JPEG", exif=rational_make_exif()),
        "png": encode(rgb, "PNG"),
        "png-interlaced": encode(picture("P"), "PNG", transparency=3),
        "png-16bit": encode(picture("L").convert("I;16"), "PNG"),
        "webp": encode(rgb, "WEBP", quality=80),
        "webp-lossless-alpha": encode(picture("RGBA"), "WEBP", lossless=True),
    }


def truncations(count_per_base: int, rng: random.Random) -> list[HostileCase]:
    cases = []
    for name, data in small_bases().items():
        cuts = sorted({rng.randrange(1, len(data)) for _ in range(count_per_base)} | {1, 8, 30})
        cases += [file_case("truncated", f"{name}@{cut}", data[:cut]) for cut in cuts]
    return cases


def bit_flips(count_per_base: int, rng: random.Random) -> list[HostileCase]:
    cases = []
    for name, data in small_bases().items():
        for index in range(count_per_base):
            mutated = bytearray(data)
            for _ in range(rng.randint(1, 8)):
                position = rng.randrange(len(mutated))
                mutated[position] ^= 1 << rng.randrange(8)
            cases.append(file_case("bitflip", f"{name}#{index}", bytes(mutated)))
    return cases


def exif_mutations(count: int, rng: random.Random) -> list[HostileCase]:
    """Random bytes of the EXIF block rewritten (the probe hit its 500 in about 1 in 100)."""
    base = rational_make_exif()
    cases = []
    for index in range(count):
        exif = bytearray(base)
        for _ in range(rng.randint(1, 4)):
            exif[rng.randrange(6, len(exif))] = rng.randrange(256)
        data = encode(picture(size=(40, 30)), "JPEG", exif=bytes(exif))
        cases.append(file_case("exif", f"mutation#{index}", data))
    return cases


def odd_modes() -> list[HostileCase]:
    cases = []
    for mode, format in [
        ("1", "PNG"),
        ("L", "PNG"),
        ("LA", "PNG"),
        ("P", "PNG"),
        ("RGBA", "PNG"),
        ("I;16", "PNG"),
        ("L", "JPEG"),
        ("CMYK", "JPEG"),
        ("RGB", "WEBP"),
        ("RGBA", "WEBP"),
    ]:
        image = picture("L").convert(mode) if mode in ("I;16", "I") else picture(mode)
        cases.append(file_case("mode", f"{mode}-{format}", encode(image, format)))
    for format in ("GIF", "BMP", "TIFF", "ICO", "PPM"):
        cases.append(file_case("mode", f"unsupported-{format}", encode(picture(), format)))
    cases.append(file_case("mode", "rgb-48bit", raw_png(32, 24, 16, 2)))
    cases.append(file_case("mode", "rgba-64bit", raw_png(32, 24, 16, 6)))
    transparent = picture("RGBA").point(lambda _: 0)
    cases.append(file_case("mode", "rgba-alpha0", encode(transparent, "PNG")))
    cases.append(file_case("mode", "text", b"this is not an image at all\n" * 10))
    cases.append(file_case("mode", "svg", b'<svg xmlns="http://www.w3.org/2000/svg"/>'))
    return cases


def animated() -> list[HostileCase]:
    frames = [picture(size=(64, 48)).rotate(angle) for angle in (0, 90, 180)]
    many = [picture("L", (16, 16)).point(lambda v, i=i: (v + i) % 256) for i in range(80)]
    return [
        file_case(
            "animated", "apng-3", encode(frames[0], "PNG", save_all=True, append_images=frames[1:])
        ),
        file_case(
            "animated", "webp-3", encode(frames[0], "WEBP", save_all=True, append_images=frames[1:])
        ),
        file_case(
            "animated", "apng-80", encode(many[0], "PNG", save_all=True, append_images=many[1:])
        ),
        file_case(
            "animated", "webp-80", encode(many[0], "WEBP", save_all=True, append_images=many[1:])
        ),
    ]


def sizes() -> list[HostileCase]:
    png, jpeg = small_bases()["png"], small_bases()["jpeg"]
    cases = []
    for width, height in [(0, 0), (0, 10), (10, 0), (1, 1), (65535, 65535), (2**31 - 1, 1)]:
        cases.append(
            file_case("size", f"png-{width}x{height}", patched_png_size(png, width, height))
        )
    for width, height in [(0, 0), (1, 0), (65535, 65535), (6000, 6000), (40000, 1000)]:
        cases.append(
            file_case("size", f"jpeg-{width}x{height}", patched_jpeg_size(jpeg, width, height))
        )
    cases.append(file_case("size", "png-1x1", encode(Image.new("RGB", (1, 1)), "PNG")))
    cases.append(file_case("size", "png-20000x1", encode(Image.new("L", (20000, 1)), "PNG")))
    cases.append(file_case("size", "png-1x20000", encode(Image.new("L", (1, 20000)), "PNG")))
    return cases


def probe_findings() -> list[HostileCase]:
    return [
        file_case("probe", "palette-bomb", palette_bomb()),
        file_case("probe", "declared-size-jpeg", declared_size_jpeg()),
        file_case("probe", "rational-exif", rational_exif_jpeg()),
    ]


def oversize(max_upload_bytes: int) -> list[HostileCase]:
    big = b"\xff\xd8\xff" + b"\0" * (max_upload_bytes + 10)
    return [
        file_case("oversize", "one-byte-over", b"\x89PNG" + b"\0" * (max_upload_bytes - 3)),
        file_case("oversize", "far-over", big),
        HostileCase(
            "oversize",
            "other-field-huge",
            multipart(b"x" * (max_upload_bytes + 1), field="note")
            + multipart(small_bases()["png"]),
        ),
    ]


def broken_multipart() -> list[HostileCase]:
    png = small_bases()["png"]
    whole = multipart(png)
    head = whole[: whole.index(b"\r\n\r\n") + 4]
    bodies = {
        "no-closing-boundary": head + png,
        "closing-only": f"--{BOUNDARY}--\r\n".encode(),
        "garbage-header": f"--{BOUNDARY}\r\nnot a header\r\n\r\n".encode() + png,
        "no-headers": f"--{BOUNDARY}\r\n\r\n".encode() + png + f"\r\n--{BOUNDARY}--\r\n".encode(),
        "wrong-boundary": multipart(png).replace(BOUNDARY.encode(), b"otherboundary"),
        "empty-body": b"",
        "crlf-only": b"\r\n\r\n",
        "nul-bytes": b"\0" * 4096,
        "no-name": whole.replace(b'name="image"; ', b""),
        "empty-image": multipart(b""),
        "two-images": multipart(b"not an image") + multipart(png),
        "huge-part-header": whole.replace(
            b"Content-Type:", b"X-Pad: " + b"a" * 60000 + b"\r\nContent-Type:"
        ),
        "bare-lf": whole.replace(b"\r\n", b"\n"),
        "latin1-filename": whole.replace(
            b'filename="face.jpg"', 'filename="f\xe4ce.jpg"'.encode("latin-1")
        ),
        "many-parts": b"".join(multipart(b"x", field=f"f{i}") for i in range(500)) + whole,
    }
    cases = [HostileCase("multipart", name, body) for name, body in bodies.items()]
    for content_type in [
        "multipart/form-data",
        "multipart/form-data; boundary=",
        "multipart/form-data; boundary=" + "b" * 5000,
        "image/png",
        "application/json",
        "text/plain; charset=utf-8",
        "multipart/mixed; boundary=" + BOUNDARY,
        "",
    ]:
        cases.append(HostileCase("content-type", content_type[:40] or "none", whole, content_type))
    return cases


def corpus(max_upload_bytes: int, seed: int = 10) -> list[HostileCase]:
    """Every case, about 1,150 in all."""
    from hostile_videos import hostile_videos  # it builds on this module's helpers

    rng = random.Random(seed)
    return [
        *hostile_videos(),
        *probe_findings(),
        *truncations(30, rng),
        *bit_flips(75, rng),
        *exif_mutations(150, rng),
        *odd_modes(),
        *animated(),
        *sizes(),
        *oversize(max_upload_bytes),
        *broken_multipart(),
    ]
