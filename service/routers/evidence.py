"""GET /jobs/{id}/evidence: the job's signed evidence manifest, exactly as the worker wrote it."""

from fastapi import APIRouter, Response
from redis import RedisError

from dfrec_contract.result import EVIDENCE_ARTIFACT
from service.auth import Reader
from service.dependencies import State
from service.errors import AUTHENTICATED, ApiError, ErrorCode, error_responses
from service.routers.jobs import load_job
from service.submission import redis_unavailable

router = APIRouter(tags=["jobs"])


@router.get(
    "/jobs/{job_id}/evidence",
    response_class=Response,
    responses={
        200: {"content": {"application/json": {}}, "description": "the signed manifest"},
        **error_responses(
            *AUTHENTICATED,
            ErrorCode.JOB_NOT_FOUND,
            ErrorCode.EVIDENCE_NOT_FOUND,
            ErrorCode.JOB_NOT_FINISHED,
            ErrorCode.INVALID_REQUEST,
        ),
    },
    summary="Signed evidence manifest of a finished job (format: dfrec_contract.evidence)",
)
def get_evidence(job_id: str, state: State, key: Reader) -> Response:
    record = load_job(state, job_id, key)
    if not record.status.is_terminal:
        raise ApiError(
            409,
            ErrorCode.JOB_NOT_FINISHED,
            f"job {job_id} is {record.status.value}; its evidence exists once it has finished",
            headers={"Retry-After": str(state.settings.retry_after_seconds)},
        )
    try:
        data = state.store.load_artifact(job_id, EVIDENCE_ARTIFACT)
    except RedisError as error:
        raise redis_unavailable() from error
    if data is None:
        raise ApiError(
            404, ErrorCode.EVIDENCE_NOT_FOUND, f"job {job_id} ({record.status.value}) has none"
        )
    filename = f"dfrec-evidence-{job_id}.json"
    return Response(
        content=data,
        media_type="application/json",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
