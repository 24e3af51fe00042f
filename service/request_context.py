"""A request id for every request, and the last line of defence against a bug's exception.

The id is the caller's `X-Request-ID` when it looks like one, else a fresh one; it is answered
in the same header, put in every error body and job record, and logged. An exception nothing
else handled is answered as 500 `internal_error` here, inside the server's own error
middleware, so the connection stays open for the client's next request.
"""

import json
import logging
import re
import uuid

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service.errors import ErrorCode

logger = logging.getLogger(__name__)

HEADER = "x-request-id"
VALID_ID = re.compile(r"[A-Za-z0-9._-]{8,64}")


def incoming_id(scope: Scope) -> str:
    for name, value in scope.get("headers", []):
        if name == HEADER.encode():
            candidate = value.decode("latin-1")
            if VALID_ID.fullmatch(candidate):
                return candidate
    return uuid.uuid4().hex


def request_id_of(scope: Scope) -> str:
    return scope.get("state", {}).get("request_id", "")


def error_body(code: ErrorCode, message: str, request_id: str) -> dict:
    return {"error": {"code": code.value, "message": message, "request_id": request_id}}


class RequestContextMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = incoming_id(scope)
        scope.setdefault("state", {})["request_id"] = request_id
        started = False

        async def send_with_id(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                headers = [*message.get("headers", []), (HEADER.encode(), request_id.encode())]
                message = {**message, "headers": headers}
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception:
            logger.exception("request %s: unhandled error on %s", request_id, scope.get("path"))
            if started:
                raise
            message = "an unexpected error; it was logged"
            body = error_body(ErrorCode.INTERNAL_ERROR, message, request_id)
            await send_with_id(
                {
                    "type": "http.response.start",
                    "status": 500,
                    "headers": [(b"content-type", b"application/json")],
                }
            )
            await send({"type": "http.response.body", "body": json.dumps(body).encode()})
