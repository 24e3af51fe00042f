"""Every failure leaves the API as `{"error": {"code", "message"}}`."""

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from redis import RedisError
from starlette.exceptions import HTTPException

from service.errors import ApiError, ErrorCode

logger = logging.getLogger(__name__)

_HTTP_STATUS_CODES = {404: ErrorCode.NOT_FOUND, 405: ErrorCode.METHOD_NOT_ALLOWED}


def error_response(
    status_code: int, code: ErrorCode, message: str, headers: dict[str, str] | None = None
) -> JSONResponse:
    body = {"error": {"code": code.value, "message": message}}
    return JSONResponse(status_code=status_code, content=body, headers=headers)


async def _api_error(_: Request, error: ApiError) -> JSONResponse:
    return error_response(error.status_code, error.code, error.message, error.headers)


async def _http_error(_: Request, error: HTTPException) -> JSONResponse:
    code = _HTTP_STATUS_CODES.get(error.status_code, ErrorCode.INVALID_REQUEST)
    return error_response(error.status_code, code, str(error.detail), error.headers)


async def _validation_error(_: Request, error: RequestValidationError) -> JSONResponse:
    details = "; ".join(
        f"{'.'.join(str(part) for part in item['loc'])}: {item['msg']}" for item in error.errors()
    )
    return error_response(422, ErrorCode.INVALID_REQUEST, details)


async def _redis_error(_: Request, error: RedisError) -> JSONResponse:
    return error_response(503, ErrorCode.REDIS_UNAVAILABLE, f"Redis is unreachable: {error}")


async def _unexpected_error(request: Request, error: Exception) -> JSONResponse:
    logger.exception("unhandled error on %s %s", request.method, request.url.path)
    return error_response(500, ErrorCode.INTERNAL_ERROR, "an unexpected error; it was logged")


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(ApiError, _api_error)
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(RedisError, _redis_error)
    app.add_exception_handler(Exception, _unexpected_error)
