"""POST /recover: upload one image (and optionally a callback URL), get a job back (202; 200
with the first job when an `Idempotency-Key` is replayed)."""

from typing import Annotated

from fastapi import APIRouter, Header, Query, Request, Response
from starlette.concurrency import run_in_threadpool

from service.auth import Submitter
from service.dependencies import State
from service.errors import AUTHENTICATED, ErrorCode, error_responses
from service.gallery_jobs import job_galleries
from service.idempotency import check_header
from service.job_views import job_path, job_response
from service.request_context import request_id_of
from service.routers.prefix import api_prefix
from service.schemas import JobResponse
from service.submission import submit_job
from service.upload import CALLBACK_FIELD, IMAGE_FIELD, read_form

router = APIRouter(tags=["recover"])

_UPLOAD_BODY = {
    "required": True,
    "content": {
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "required": [IMAGE_FIELD],
                "properties": {
                    IMAGE_FIELD: {
                        "type": "string",
                        "format": "binary",
                        "description": "a JPEG, PNG or WebP image with a face, or an MP4, "
                        "WebM or QuickTime video (docs/videos.md)",
                    },
                    CALLBACK_FIELD: {
                        "type": "string",
                        "format": "uri",
                        "description": "optional: where the finished job's summary is POSTed, "
                        "signed (Dfrec-Signature); https and public addresses only in production",
                    },
                },
            }
        }
    },
}
_ERRORS = error_responses(
    *AUTHENTICATED,
    ErrorCode.MALFORMED_MULTIPART,
    ErrorCode.IDEMPOTENCY_CONFLICT,
    ErrorCode.UPLOAD_TOO_LARGE,
    ErrorCode.TOO_MANY_PIXELS,
    ErrorCode.TOO_MANY_FRAMES,
    ErrorCode.MULTIPART_REQUIRED,
    ErrorCode.UNSUPPORTED_MEDIA_TYPE,
    ErrorCode.VIDEO_TOO_LONG,
    ErrorCode.FRAME_RATE_TOO_HIGH,
    ErrorCode.TOO_MANY_STREAMS,
    ErrorCode.UNSUPPORTED_VIDEO_CODEC,
    ErrorCode.MISSING_IMAGE,
    ErrorCode.EMPTY_IMAGE,
    ErrorCode.UNDECODABLE_IMAGE,
    ErrorCode.UNDECODABLE_VIDEO,
    ErrorCode.NO_VIDEO_STREAM,
    ErrorCode.NO_VIDEO_FRAMES,
    ErrorCode.INVALID_REQUEST,
    ErrorCode.INVALID_CALLBACK_URL,
    ErrorCode.QUEUE_FULL,
    ErrorCode.RATE_LIMITED,
    ErrorCode.BUSY,
    ErrorCode.STORAGE_UNAVAILABLE,
    ErrorCode.GALLERY_NOT_FOUND,
    ErrorCode.DATABASE_UNAVAILABLE,
)


@router.post(
    "/recover",
    status_code=202,
    response_model=JobResponse,
    responses={
        200: {"model": JobResponse, "description": "an Idempotency-Key replayed: its first job"},
        **_ERRORS,
    },
    openapi_extra={"requestBody": _UPLOAD_BODY},
    summary="Queue a recovery job for one image or video",
)
async def submit_recovery(
    request: Request,
    response: Response,
    state: State,
    key: Submitter,
    idempotency_key: Annotated[str | None, Header()] = None,
    galleries: Annotated[
        str | None,
        Query(description="comma-separated galleries of yours to search every face in"),
    ] = None,
) -> JobResponse:
    if idempotency_key is not None:
        check_header(idempotency_key)
    settings = state.settings
    names = await run_in_threadpool(job_galleries, state, key, galleries)
    form = await read_form(
        request.headers.get("content-type"),
        request.stream(),
        settings.max_upload_bytes,
        settings.max_video_bytes,
    )
    submitted = await run_in_threadpool(
        submit_job, state, key, form, request_id_of(request.scope), idempotency_key, names
    )
    record = submitted.record
    prefix = api_prefix(request)
    response.headers["Location"] = job_path(prefix, record.id)
    response.headers["Retry-After"] = str(state.settings.retry_after_seconds)
    if submitted.rate is not None:
        response.headers.update(submitted.rate.headers())
    if submitted.replayed:
        response.status_code = 200
        response.headers["Idempotent-Replayed"] = "true"
    return job_response(record, prefix)
