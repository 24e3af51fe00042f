"""Read the `image` field (and the optional `callback_url`) of a multipart request while
counting bytes.

The body is parsed as it streams in, so an over-size upload is refused as soon as it crosses the
limit, whatever Content-Length claims. The limit is the image limit unless the field's first
bytes are a video's (service.media_sniff), then the video limit. Other form fields are skipped
(they count towards a small allowance for multipart framing); `callback_url` is kept up to
TEXT_FIELD_MAX_BYTES.
"""

from collections.abc import AsyncIterator
from dataclasses import dataclass

from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header

from service.errors import ApiError, ErrorCode
from service.media_sniff import SNIFF_BYTES, looks_like_video

IMAGE_FIELD = "image"
CALLBACK_FIELD = "callback_url"
TEXT_FIELD_MAX_BYTES = 4096
FRAMING_ALLOWANCE_BYTES = 64 * 1024
MAX_BOUNDARY_BYTES = 70
"""RFC 2046: a boundary is 1 to 70 characters."""


def _too_large(limit: int) -> ApiError:
    return ApiError(413, ErrorCode.UPLOAD_TOO_LARGE, f"the upload exceeds {limit} bytes")


class _ImagePartCollector:
    """MultipartParser callbacks that keep the first part named IMAGE_FIELD."""

    def __init__(self, max_bytes: int, max_video_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.max_video_bytes = max_video_bytes
        self.is_video = False
        self.image: bytearray | None = None
        self._header_field = bytearray()
        self._header_value = bytearray()
        self._headers: dict[bytes, bytes] = {}
        self._collecting = False
        self.callback_url: bytearray | None = None
        self._collecting_callback = False

    def callbacks(self) -> dict:
        return {
            "on_part_begin": self._on_part_begin,
            "on_header_field": self._on_header_field,
            "on_header_value": self._on_header_value,
            "on_header_end": self._on_header_end,
            "on_headers_finished": self._on_headers_finished,
            "on_part_data": self._on_part_data,
            "on_part_end": self._on_part_end,
        }

    def _on_part_begin(self) -> None:
        self._headers = {}

    def _on_header_field(self, data: bytes, start: int, end: int) -> None:
        self._header_field += data[start:end]

    def _on_header_value(self, data: bytes, start: int, end: int) -> None:
        self._header_value += data[start:end]

    def _on_header_end(self) -> None:
        self._headers[bytes(self._header_field).lower()] = bytes(self._header_value)
        self._header_field.clear()
        self._header_value.clear()

    def _on_headers_finished(self) -> None:
        _, options = parse_options_header(self._headers.get(b"content-disposition"))
        is_image_field = options.get(b"name") == IMAGE_FIELD.encode()
        self._collecting = is_image_field and self.image is None
        if self._collecting:
            self.image = bytearray()
        is_callback = options.get(b"name") == CALLBACK_FIELD.encode()
        self._collecting_callback = is_callback and self.callback_url is None
        if self._collecting_callback:
            self.callback_url = bytearray()

    def _on_part_data(self, data: bytes, start: int, end: int) -> None:
        if self._collecting_callback and self.callback_url is not None:
            self.callback_url += data[start:end]
            if len(self.callback_url) > TEXT_FIELD_MAX_BYTES:
                raise ApiError(
                    422,
                    ErrorCode.INVALID_CALLBACK_URL,
                    f"{CALLBACK_FIELD} is longer than {TEXT_FIELD_MAX_BYTES} bytes",
                )
            return
        if not self._collecting or self.image is None:
            return
        sniffed = len(self.image) >= SNIFF_BYTES
        self.image += data[start:end]
        if not sniffed and len(self.image) >= SNIFF_BYTES:
            self.is_video = looks_like_video(bytes(self.image[:SNIFF_BYTES]))
        if len(self.image) > self.limit:
            raise _too_large(self.limit)

    @property
    def limit(self) -> int:
        """Bytes the image field may hold: the video limit once it was seen to be a video."""
        return self.max_video_bytes if self.is_video else self.max_bytes

    def _on_part_end(self) -> None:
        self._collecting = False
        self._collecting_callback = False


@dataclass(frozen=True)
class UploadForm:
    image: bytes
    callback_url: str
    """"" when the form has no callback_url field."""


async def read_image_field(
    content_type: str | None, body: AsyncIterator[bytes], max_bytes: int
) -> bytes:
    """The bytes of the `image` field; ApiError for anything else (see service.errors)."""
    return (await read_form(content_type, body, max_bytes)).image


async def read_form(
    content_type: str | None,
    body: AsyncIterator[bytes],
    max_bytes: int,
    max_video_bytes: int = 0,
) -> UploadForm:
    """The `image` field and the `callback_url` text; ApiError for anything else. A video may
    hold up to max_video_bytes (0: videos get max_bytes too)."""
    mime, options = parse_options_header(content_type)
    boundary = options.get(b"boundary")
    if mime != b"multipart/form-data" or not boundary:
        raise ApiError(
            415,
            ErrorCode.MULTIPART_REQUIRED,
            f"send multipart/form-data with the file in a field named '{IMAGE_FIELD}'",
        )
    if len(boundary) > MAX_BOUNDARY_BYTES:
        raise ApiError(
            400,
            ErrorCode.MALFORMED_MULTIPART,
            f"the multipart boundary is longer than {MAX_BOUNDARY_BYTES} characters",
        )
    collector = _ImagePartCollector(max_bytes, max(max_bytes, max_video_bytes))
    parser = MultipartParser(boundary, collector.callbacks())
    received = 0
    try:
        async for chunk in body:
            received += len(chunk)
            if received > collector.limit + FRAMING_ALLOWANCE_BYTES:
                raise _too_large(collector.limit)
            parser.write(chunk)
        parser.finalize()
    except MultipartParseError as error:
        raise ApiError(
            400, ErrorCode.MALFORMED_MULTIPART, f"the multipart body cannot be parsed: {error}"
        ) from error
    if collector.image is None:
        raise ApiError(422, ErrorCode.MISSING_IMAGE, f"the form has no field named '{IMAGE_FIELD}'")
    if not collector.image:
        raise ApiError(422, ErrorCode.EMPTY_IMAGE, f"the '{IMAGE_FIELD}' field is empty")
    try:
        callback_url = bytes(collector.callback_url or b"").decode("utf-8").strip()
    except UnicodeDecodeError as error:
        raise ApiError(
            422, ErrorCode.INVALID_CALLBACK_URL, f"{CALLBACK_FIELD} is not UTF-8"
        ) from error
    return UploadForm(image=bytes(collector.image), callback_url=callback_url)
