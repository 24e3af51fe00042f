"""The API is served at the root and under /v1; links in answers keep the caller's prefix."""

from fastapi import Request

VERSION_PREFIX = "/v1"


def api_prefix(request: Request) -> str:
    path = request.url.path
    return VERSION_PREFIX if path.startswith(VERSION_PREFIX + "/") else ""
