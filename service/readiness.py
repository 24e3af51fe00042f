"""Readiness of the API's dependencies: Redis, the Triton server, the ensemble model.

Answers say which dependency is not ready and how (unreachable, or its HTTP status); the
exception text, which names internal addresses, goes to the log only.
"""

import logging

import httpx
from redis import RedisError
from starlette.concurrency import run_in_threadpool

from service.state import ServiceState

logger = logging.getLogger(__name__)

OK = "ok"
UNREACHABLE = "unreachable"


def check_redis(state: ServiceState) -> str:
    try:
        state.redis.ping()
    except RedisError as error:
        logger.warning("readiness: Redis %r", error)
        return UNREACHABLE
    return OK


async def check_triton_endpoint(client: httpx.AsyncClient, path: str) -> str:
    try:
        response = await client.get(path)
    except httpx.HTTPError as error:
        logger.warning("readiness: Triton %s %r", path, error)
        return UNREACHABLE
    return OK if response.status_code == 200 else f"not ready (HTTP {response.status_code})"


async def check_dependencies(state: ServiceState) -> dict[str, str]:
    """Per dependency: "ok" or why it is not ready."""
    model = state.settings.triton_model
    return {
        "redis": await run_in_threadpool(check_redis, state),
        "triton": await check_triton_endpoint(state.triton_http, "/v2/health/ready"),
        "ensemble": await check_triton_endpoint(state.triton_http, f"/v2/models/{model}/ready"),
    }
