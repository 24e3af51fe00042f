"""Liveness, readiness and Prometheus metrics."""

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from service.dependencies import State
from service.errors import ERRORS, ErrorCode
from service.readiness import OK, check_dependencies
from service.request_context import error_body, request_id_of
from service.schemas import HealthResponse, NotReadyResponse, ReadinessResponse

router = APIRouter(tags=["health"])
NOT_READY = ErrorCode.NOT_READY


@router.get("/healthz", response_model=HealthResponse, summary="The process is alive")
def healthz() -> HealthResponse:
    return HealthResponse(status="ok")


@router.get(
    "/readyz",
    response_model=ReadinessResponse,
    responses={
        503: {"model": NotReadyResponse, "description": f"`not_ready`: {ERRORS[NOT_READY].when}"}
    },
    summary="Redis, Triton and the ensemble are ready",
)
async def readyz(request: Request, state: State) -> ReadinessResponse | JSONResponse:
    checks = await check_dependencies(state)
    not_ready = {name: reason for name, reason in checks.items() if reason != OK}
    if not_ready:
        message = "; ".join(f"{name}: {reason}" for name, reason in not_ready.items())
        body = error_body(ErrorCode.NOT_READY, message, request_id_of(request.scope))
        body["checks"] = checks
        return JSONResponse(status_code=503, content=body)
    return ReadinessResponse(ready=True, checks=checks)


@router.get("/metrics", response_class=Response, summary="Prometheus metrics")
def metrics(state: State) -> Response:
    return Response(generate_latest(state.metrics.registry), media_type=CONTENT_TYPE_LATEST)
