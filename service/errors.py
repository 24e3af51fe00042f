"""Stable error codes and the single error body every failure uses.

Every error response is `{"error": {"code": "...", "message": "...", "request_id": "..."}}`.
Clients branch on `code` (and back off on `Retry-After`), never on `message`; `request_id`
(also the `X-Request-ID` header) finds the request in the API's logs. Messages never carry
internal addresses or exception text from dependencies: those go to the logs only.

HTTP errors (returned by the API):

| status | code                    | when                                                        |
|--------|-------------------------|-------------------------------------------------------------|
| 400    | malformed_multipart     | the multipart body cannot be parsed                         |
| 401    | unauthorized            | no API key, an unknown key, or the development key in       |
|        |                         | production (`WWW-Authenticate: Bearer`)                     |
| 401    | key_revoked             | the API key was revoked                                     |
| 403    | forbidden               | the key lacks the scope the route needs                     |
| 404    | job_not_found           | no job with this id (never created, expired, or another     |
|        |                         | tenant's: answered exactly alike)                           |
| 404    | artifact_not_found      | the job has no artifact of that name                        |
| 404    | evidence_not_found      | the job has no evidence manifest (it failed, or expired)    |
| 404    | not_found               | no such route                                               |
| 404    | gallery_not_found       | no gallery of this name (another tenant's: answered alike)  |
| 404    | person_not_found        | no such person in the gallery                               |
| 404    | photo_not_found         | no such photo of the person                                 |
| 409    | person_exists           | the gallery already has a person with this external_id     |
| 422    | no_face                 | no face was found in the photo (enrolment, search)          |
| 405    | method_not_allowed      | the route exists, the method does not                       |
| 409    | job_not_finished        | artifacts or evidence asked for before the job finished     |
| 409    | idempotency_conflict    | the Idempotency-Key was used with a different request body  |
| 413    | upload_too_large        | the upload exceeds the byte limit (counted while streaming) |
| 413    | too_many_pixels         | declared width x height, or the memory its pixels need to   |
|        |                         | decode, exceeds the limit (decompression bomb)              |
| 413    | too_many_frames         | the header declares more frames than the limit              |
| 415    | multipart_required      | the request is not multipart/form-data                      |
| 415    | unsupported_media_type  | the file is not a JPEG, PNG or WebP image                   |
| 422    | missing_image           | no `image` field in the form (includes an empty body)       |
| 422    | empty_image             | the `image` field holds zero bytes                          |
| 422    | undecodable_image       | a JPEG/PNG/WebP header, but the pixels do not decode        |
| 422    | invalid_request         | a path or query parameter fails validation                  |
| 422    | invalid_callback_url    | callback_url is not allowed (https and public addresses     |
|        |                         | only in production)                                         |
| 429    | queue_full              | too many jobs are queued; retry after `Retry-After`         |
| 429    | rate_limited            | the key's submit rate or active-job limit is reached; retry |
|        |                         | after `Retry-After` (`RateLimit-*` headers)                 |
| 500    | internal_error          | a bug; never caused by bad input                            |
| 503    | busy                    | every decode slot is taken; retry after `Retry-After`       |
| 503    | redis_unavailable       | the job store / broker cannot be reached                    |
| 503    | database_unavailable    | the gallery store (PostgreSQL) cannot be reached            |
| 503    | not_ready               | `/readyz`: a dependency is not ready (listed in the body)   |

Job error codes (in `GET /jobs/{id}` -> `error.code` of a `failed` job): see
`dfrec_contract.errors.JobErrorCode`.
"""

from enum import StrEnum


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
    MISSING_IMAGE = "missing_image"
    EMPTY_IMAGE = "empty_image"
    UNDECODABLE_IMAGE = "undecodable_image"
    INVALID_REQUEST = "invalid_request"
    QUEUE_FULL = "queue_full"
    INTERNAL_ERROR = "internal_error"
    BUSY = "busy"
    REDIS_UNAVAILABLE = "redis_unavailable"
    NOT_READY = "not_ready"
    GALLERY_NOT_FOUND = "gallery_not_found"
    PERSON_NOT_FOUND = "person_not_found"
    PHOTO_NOT_FOUND = "photo_not_found"
    PERSON_EXISTS = "person_exists"
    NO_FACE = "no_face"
    DATABASE_UNAVAILABLE = "database_unavailable"


class ApiError(Exception):
    """An error answered as `{"error": {"code", "message"}}` with an HTTP status."""

    def __init__(
        self,
        status_code: int,
        code: ErrorCode,
        message: str,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.code = code
        self.message = message
        self.headers = headers or {}
