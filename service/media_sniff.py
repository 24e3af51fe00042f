"""Is an upload a video? Decided from its first bytes, never from a file name or a declared
type: an image named `.mp4` is an image.

ISO base media (MP4, QuickTime) starts with a box whose type is one of TOP_LEVEL_BOXES;
Matroska / WebM with the EBML magic. HEIF / AVIF still images are ISO base media too: their
`ftyp` brand sends them to the image path, which refuses them (415).
"""

EBML_MAGIC = b"\x1a\x45\xdf\xa3"
TOP_LEVEL_BOXES = (b"ftyp", b"moov", b"mdat", b"free", b"skip", b"wide")
STILL_IMAGE_BRANDS = (b"heic", b"heix", b"heim", b"heis", b"mif1", b"msf1", b"avif", b"avis")
SNIFF_BYTES = 12


def looks_like_video(head: bytes) -> bool:
    """True for the first SNIFF_BYTES (or more) of an MP4, QuickTime, WebM or Matroska file."""
    if head.startswith(EBML_MAGIC):
        return True
    box = head[4:8]
    if box not in TOP_LEVEL_BOXES:
        return False
    return not (box == b"ftyp" and head[8:12] in STILL_IMAGE_BRANDS)
