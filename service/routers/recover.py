"""POST /recover: upload one image, get a job back (202)."""

from fastapi import APIRouter, Request, Response
from starlette.concurrency import run_in_threadpool

from service.dependencies import State
from service.job_views import job_path, job_response
from service.request_context import request_id_of
from service.routers.prefix import api_prefix
from service.schemas import ErrorResponse, JobResponse
from service.submission import submit_job
from service.upload import IMAGE_FIELD, read_image_field

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
                        "description": "a JPEG, PNG or WebP image with a face",
                    }
                },
            }
        }
    },
}
_ERRORS = {status: {"model": ErrorResponse} for status in (400, 413, 415, 422, 429, 503)}
"""503: `busy` (every decode slot taken) or `redis_unavailable`; both with Retry-After."""


@router.post(
    "/recover",
    status_code=202,
    response_model=JobResponse,
    responses=_ERRORS,
    openapi_extra={"requestBody": _UPLOAD_BODY},
    summary="Queue a recovery job for one image",
)
async def submit_recovery(request: Request, response: Response, state: State) -> JobResponse:
    upload = await read_image_field(
        request.headers.get("content-type"), request.stream(), state.settings.max_upload_bytes
    )
    record = await run_in_threadpool(submit_job, state, upload, request_id_of(request.scope))
    prefix = api_prefix(request)
    response.headers["Location"] = job_path(prefix, record.id)
    response.headers["Retry-After"] = str(state.settings.retry_after_seconds)
    return job_response(record, prefix)
