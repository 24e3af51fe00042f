"""GET /jobs/{id} and its artifacts."""

import re

from fastapi import APIRouter, Request, Response
from redis import RedisError

from dfrec_contract.apikeys import ApiKeyRecord
from dfrec_contract.artifact_files import artifact_file
from dfrec_contract.record import JobRecord
from service.auth import Reader
from service.dependencies import State
from service.errors import AUTHENTICATED, ApiError, ErrorCode, error_responses
from service.job_views import job_response
from service.routers.prefix import api_prefix
from service.schemas import JobResponse
from service.state import ServiceState
from service.submission import redis_unavailable

router = APIRouter(tags=["jobs"])

JOB_ID_PATTERN = re.compile(r"[0-9a-f]{32}")


def load_job(state: ServiceState, job_id: str, key: ApiKeyRecord) -> JobRecord:
    """The job as stored (a GET never changes it; overdue jobs are the workers' sweep's);
    404 if unknown, expired or another tenant's (the same answer, so ids cannot be probed)."""
    if not JOB_ID_PATTERN.fullmatch(job_id):
        raise ApiError(404, ErrorCode.JOB_NOT_FOUND, f"no job {job_id!r}")
    try:
        record = state.store.get(job_id)
    except RedisError as error:
        raise redis_unavailable() from error
    if record is None or record.tenant != key.tenant:
        raise ApiError(404, ErrorCode.JOB_NOT_FOUND, f"no job {job_id!r} (unknown or expired)")
    return record


def webhook_attempts(state: ServiceState, record: JobRecord) -> list[dict]:
    if not record.callback_url:
        return []
    try:
        return state.store.webhook_attempts(record.id)
    except RedisError as error:
        raise redis_unavailable() from error


@router.get(
    "/jobs/{job_id}",
    response_model=JobResponse,
    responses=error_responses(*AUTHENTICATED, ErrorCode.JOB_NOT_FOUND, ErrorCode.INVALID_REQUEST),
    summary="State, stage, timings, result and callback deliveries of a job",
)
def get_job(
    job_id: str, request: Request, response: Response, state: State, key: Reader
) -> JobResponse:
    record = load_job(state, job_id, key)
    if not record.status.is_terminal:
        response.headers["Retry-After"] = str(state.settings.retry_after_seconds)
    return job_response(record, api_prefix(request), webhook_attempts(state, record))


@router.get(
    "/jobs/{job_id}/artifacts/{filename}",
    response_class=Response,
    responses={
        200: {"content": {"image/png": {}, "video/mp4": {}}, "description": "the file"},
        **error_responses(
            *AUTHENTICATED,
            ErrorCode.JOB_NOT_FOUND,
            ErrorCode.ARTIFACT_NOT_FOUND,
            ErrorCode.JOB_NOT_FINISHED,
            ErrorCode.INVALID_REQUEST,
        ),
    },
    summary="One output file of a finished job: mask.png, source.png, ... (a video's preview.mp4)",
)
def get_artifact(job_id: str, filename: str, state: State, key: Reader) -> Response:
    record = load_job(state, job_id, key)
    if not record.status.is_terminal:
        raise ApiError(
            409,
            ErrorCode.JOB_NOT_FINISHED,
            f"job {job_id} is {record.status.value}; artifacts exist once it has finished",
            headers={"Retry-After": str(state.settings.retry_after_seconds)},
        )
    artifacts = record.result.artifacts if record.result else {}
    files = {artifact_file(name, facts.media_type): name for name, facts in artifacts.items()}
    name = files.get(filename, "")
    facts = artifacts.get(name)
    if facts is None:
        known = ", ".join(files) or "none"
        raise ApiError(
            404,
            ErrorCode.ARTIFACT_NOT_FOUND,
            f"no {filename!r}; this {record.status.value} job has {known}",
        )
    try:
        data = state.store.load_artifact(job_id, name)
    except RedisError as error:
        raise redis_unavailable() from error
    if data is None:
        raise ApiError(404, ErrorCode.ARTIFACT_NOT_FOUND, f"{filename} has expired")
    return Response(
        content=data,
        media_type=facts.media_type,
        headers={"ETag": f'"{facts.sha256}"', "Cache-Control": "private, max-age=86400"},
    )
