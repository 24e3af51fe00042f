"""Stable error codes, the one table of what each means, and the single error body.

Every error response is `{"error": {"code": "...", "message": "...", "request_id": "..."}}`.
Clients branch on `code` (and back off on `Retry-After`), never on `message`; `request_id`
(also the `X-Request-ID` header) finds the request in the API's logs. Messages never carry
internal addresses or exception text from dependencies: those go to the logs only.

`ERRORS` below is the one source of each code's HTTP status and meaning: routes build their
OpenAPI `responses` from it (`error_responses`), `ApiError` refuses a status that disagrees with
it, and the documentation's error table is generated from it. Job error codes (in
`GET /jobs/{id}` -> `error.code` of a `failed` job): `dfrec_contract.errors.JobErrorCode`.
"""

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from service.schemas import ErrorResponse


class ErrorCode(StrEnum):
    """Codes of HTTP error responses."""

    MALFORMED_MULTIPART = "malformed_multipart"
    UNAUTHORIZED = "unauthorized"
    KEY_REVOKED = "key_revoked"
    FORBIDDEN = "forbidden"
    IDEMPOTENCY_CONFLICT = "idempotency_conflict"
    INVALID_CALLBACK_URL = "invalid_callback_url"
    RATE_LIMITED = "rate_limited"
    JOB_NOT_FOUND = "job_not_found"
    ARTIFACT_NOT_FOUND = "artifact_not_found"
    EVIDENCE_NOT_FOUND = "evidence_not_found"
    NOT_FOUND = "not_found"
    METHOD_NOT_ALLOWED = "method_not_allowed"
    JOB_NOT_FINISHED = "job_not_finished"
    UPLOAD_TOO_LARGE = "upload_too_large"
    TOO_MANY_PIXELS = "too_many_pixels"
    TOO_MANY_FRAMES = "too_many_frames"
    MULTIPART_REQUIRED = "multipart_required"
    UNSUPPORTED_MEDIA_TYPE = "unsupported_media_type"
    UNSUPPORTED_VIDEO_CODEC = "unsupported_video_codec"
    VIDEO_TOO_LONG = "video_too_long"
    FRAME_RATE_TOO_HIGH = "frame_rate_too_high"
    TOO_MANY_STREAMS = "too_many_streams"
    UNDECODABLE_VIDEO = "undecodable_video"
    NO_VIDEO_STREAM = "no_video_stream"
    NO_VIDEO_FRAMES = "no_video_frames"
    MISSING_IMAGE = "missing_image"
    EMPTY_IMAGE = "empty_image"
    UNDECODABLE_IMAGE = "undecodable_image"
    INVALID_REQUEST = "invalid_request"
    QUEUE_FULL = "queue_full"
    INTERNAL_ERROR = "internal_error"
    BUSY = "busy"
    REDIS_UNAVAILABLE = "redis_unavailable"
    STORAGE_UNAVAILABLE = "storage_unavailable"
    NOT_READY = "not_ready"
    GALLERY_NOT_FOUND = "gallery_not_found"
    PERSON_NOT_FOUND = "person_not_found"
    PHOTO_NOT_FOUND = "photo_not_found"
    PERSON_EXISTS = "person_exists"
    NO_FACE = "no_face"
    DATABASE_UNAVAILABLE = "database_unavailable"


@dataclass(frozen=True)
class ErrorSpec:
    """An error code's HTTP status and when the API answers it."""

    status: int
    when: str


ERRORS: dict[ErrorCode, ErrorSpec] = {
    ErrorCode.MALFORMED_MULTIPART: ErrorSpec(400, "the multipart body cannot be parsed"),
    ErrorCode.UNAUTHORIZED: ErrorSpec(
        401,
        "no API key, an unknown key, or the development key in production "
        "(`WWW-Authenticate: Bearer`)",
    ),
    ErrorCode.KEY_REVOKED: ErrorSpec(401, "the API key was revoked"),
    ErrorCode.FORBIDDEN: ErrorSpec(403, "the key lacks the scope the route needs"),
    ErrorCode.JOB_NOT_FOUND: ErrorSpec(
        404,
        "no job with this id (never created, expired, or another tenant's: answered exactly alike)",
    ),
    ErrorCode.ARTIFACT_NOT_FOUND: ErrorSpec(404, "the job has no artifact of that name"),
    ErrorCode.EVIDENCE_NOT_FOUND: ErrorSpec(
        404, "the job has no evidence manifest (it failed, or expired)"
    ),
    ErrorCode.NOT_FOUND: ErrorSpec(404, "no such route"),
    ErrorCode.GALLERY_NOT_FOUND: ErrorSpec(
        404, "no gallery of this name (another tenant's is answered exactly alike)"
    ),
    ErrorCode.PERSON_NOT_FOUND: ErrorSpec(404, "no such person in the gallery"),
    ErrorCode.PHOTO_NOT_FOUND: ErrorSpec(404, "no such photo of the person"),
    ErrorCode.PERSON_EXISTS: ErrorSpec(
        409, "the gallery already has a person with this external_id"
    ),
    ErrorCode.METHOD_NOT_ALLOWED: ErrorSpec(405, "the route exists, the method does not"),
    ErrorCode.JOB_NOT_FINISHED: ErrorSpec(
        409, "artifacts or evidence asked for before the job finished (`Retry-After`)"
    ),
    ErrorCode.IDEMPOTENCY_CONFLICT: ErrorSpec(
        409, "the Idempotency-Key was used with a different request body"
    ),
    ErrorCode.UPLOAD_TOO_LARGE: ErrorSpec(
        413, "the upload exceeds the byte limit (counted while streaming)"
    ),
    ErrorCode.TOO_MANY_PIXELS: ErrorSpec(
        413,
        "declared width x height, or the memory its pixels need to decode, exceeds the limit "
        "(decompression bomb)",
    ),
    ErrorCode.TOO_MANY_FRAMES: ErrorSpec(
        413, "the header declares more frames (animated image, video) than the limit"
    ),
    ErrorCode.VIDEO_TOO_LONG: ErrorSpec(413, "the container declares a duration above the limit"),
    ErrorCode.FRAME_RATE_TOO_HIGH: ErrorSpec(
        413, "the video stream declares more frames a second than allowed"
    ),
    ErrorCode.TOO_MANY_STREAMS: ErrorSpec(413, "the container holds more streams than the limit"),
    ErrorCode.MULTIPART_REQUIRED: ErrorSpec(415, "the request is not multipart/form-data"),
    ErrorCode.UNSUPPORTED_MEDIA_TYPE: ErrorSpec(
        415, "the file is not a JPEG, PNG or WebP image, nor an MP4, WebM or QuickTime video"
    ),
    ErrorCode.UNSUPPORTED_VIDEO_CODEC: ErrorSpec(
        415, "the video is not H.264, H.265, VP8, VP9 or AV1"
    ),
    ErrorCode.MISSING_IMAGE: ErrorSpec(422, "no `image` field in the form (an empty body too)"),
    ErrorCode.EMPTY_IMAGE: ErrorSpec(422, "the `image` field holds zero bytes"),
    ErrorCode.UNDECODABLE_IMAGE: ErrorSpec(
        422, "a JPEG / PNG / WebP header, but the pixels do not decode"
    ),
    ErrorCode.UNDECODABLE_VIDEO: ErrorSpec(
        422, "the container does not open or its first frame does not decode (truncated, damaged)"
    ),
    ErrorCode.NO_VIDEO_STREAM: ErrorSpec(
        422, "the container has no video stream (audio only, data only)"
    ),
    ErrorCode.NO_VIDEO_FRAMES: ErrorSpec(422, "the video declares no duration or holds no frame"),
    ErrorCode.NO_FACE: ErrorSpec(422, "no face was found in the photo (enrolment, search)"),
    ErrorCode.INVALID_REQUEST: ErrorSpec(422, "a path, query or header parameter fails validation"),
    ErrorCode.INVALID_CALLBACK_URL: ErrorSpec(
        422, "callback_url is not allowed (https and public addresses only in production)"
    ),
    ErrorCode.QUEUE_FULL: ErrorSpec(429, "too many jobs are queued; retry after `Retry-After`"),
    ErrorCode.RATE_LIMITED: ErrorSpec(
        429,
        "the key's submit rate or active-job limit is reached; retry after `Retry-After` "
        "(`RateLimit-*` headers)",
    ),
    ErrorCode.INTERNAL_ERROR: ErrorSpec(500, "a bug; never caused by bad input"),
    ErrorCode.BUSY: ErrorSpec(503, "every decode slot is taken; retry after `Retry-After`"),
    ErrorCode.REDIS_UNAVAILABLE: ErrorSpec(503, "the job store / broker cannot be reached"),
    ErrorCode.DATABASE_UNAVAILABLE: ErrorSpec(
        503, "the gallery store (PostgreSQL) cannot be reached, or its tables were never migrated"
    ),
    ErrorCode.STORAGE_UNAVAILABLE: ErrorSpec(
        503, "the video storage cannot take the upload (full, missing); retry after `Retry-After`"
    ),
    ErrorCode.NOT_READY: ErrorSpec(
        503, "`/readyz`: a dependency is not ready (listed in the body's `checks`)"
    ),
}

AUTHENTICATED = (
    ErrorCode.UNAUTHORIZED,
    ErrorCode.KEY_REVOKED,
    ErrorCode.FORBIDDEN,
    ErrorCode.REDIS_UNAVAILABLE,
)
"""What any route behind an API key may answer (the key is looked up in Redis)."""


def error_responses(*codes: ErrorCode) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` for a route that answers `codes`: one entry per status, its
    description listing the codes, its body the error schema."""
    by_status: dict[int, list[ErrorCode]] = {}
    for code in dict.fromkeys(codes):
        by_status.setdefault(ERRORS[code].status, []).append(code)
    return {
        status: {
            "model": ErrorResponse,
            "description": "; ".join(f"`{code.value}`: {ERRORS[code].when}" for code in listed),
        }
        for status, listed in sorted(by_status.items())
    }


class ApiError(Exception):
    """An error answered as `{"error": {"code", "message"}}` with the code's HTTP status."""

    def __init__(
        self,
        status_code: int,
        code: ErrorCode,
        message: str,
        headers: dict[str, str] | None = None,
    ) -> None:
        if ERRORS[code].status != status_code:
            raise ValueError(
                f"{code.value} is answered with {ERRORS[code].status}, not {status_code}"
            )
        super().__init__(message)
        self.status_code = status_code
        self.code = code
        self.message = message
        self.headers = headers or {}
