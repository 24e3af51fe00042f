"""Every failure leaves the API as `{"error": {"code", "message", "request_id"}}`.

Unexpected exceptions are answered by service.request_context; Redis errors are logged with
their detail and answered without it.
"""

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from redis import RedisError
from starlette.exceptions import HTTPException

from service.errors import ApiError, ErrorCode
from service.request_context import error_body, request_id_of

logger = logging.getLogger(__name__)

_HTTP_STATUS_CODES = {404: ErrorCode.NOT_FOUND, 405: ErrorCode.METHOD_NOT_ALLOWED}
REDIS_UNAVAILABLE_MESSAGE = "the job store is unreachable; retry later"


def error_response(
    request: Request,
    status_code: int,
    code: ErrorCode,
    message: str,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    body = error_body(code, message, request_id_of(request.scope))
    return JSONResponse(status_code=status_code, content=body, headers=headers)


async def _api_error(request: Request, error: ApiError) -> JSONResponse:
    if error.__cause__ is not None and error.status_code >= 500:
        logger.warning(
            "request %s: %s (%r)", request_id_of(request.scope), error.code, error.__cause__
        )
    return error_response(request, error.status_code, error.code, error.message, error.headers)


async def _http_error(request: Request, error: HTTPException) -> JSONResponse:
    code = _HTTP_STATUS_CODES.get(error.status_code, ErrorCode.INVALID_REQUEST)
    return error_response(request, error.status_code, code, str(error.detail), error.headers)


async def _validation_error(request: Request, error: RequestValidationError) -> JSONResponse:
    details = "; ".join(
        f"{'.'.join(str(part) for part in item['loc'])}: {item['msg']}" for item in error.errors()
    )
    return error_response(request, 422, ErrorCode.INVALID_REQUEST, details)


async def _redis_error(request: Request, error: RedisError) -> JSONResponse:
    logger.warning("request %s: Redis error %r", request_id_of(request.scope), error)
    return error_response(request, 503, ErrorCode.REDIS_UNAVAILABLE, REDIS_UNAVAILABLE_MESSAGE)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(ApiError, _api_error)
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(RedisError, _redis_error)
