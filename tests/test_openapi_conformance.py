"""The OpenAPI spec documents every answer: Schemathesis generates requests from the API's own
spec (bounded, derandomized: the same examples every run) and sends them to the real API
process (`python -m service` under uvicorn, the real Redis, the galleries in a freshly migrated
PostgreSQL schema; no worker, and a Triton address that answers nothing, so `/readyz` says 503
`not_ready`). Every answer must be documented: its status,
content type, headers and body schema; and none may be a 500.

Authenticated as the development key; a second pass sends no key, so the 401 answers are
checked as well.
"""

from collections.abc import Iterator

import httpx
import pytest
import schemathesis
from gallery_db import DATABASE_URL, migrated_schema
from hypothesis import HealthCheck, settings
from schemathesis import checks
from service_stack import REDIS_URL

from service.app import create_app
from worker.localrun.stack import ServiceStack, StackSettings

pytestmark = [pytest.mark.service, pytest.mark.slow]

EXAMPLES_PER_OPERATION = 12


@schemathesis.check
def no_internal_error(ctx, response, case) -> None:
    """A 500 is a bug. Other 5xx are designed answers (`/readyz` 503 while Triton is away,
    `busy`, `redis_unavailable`) and must be documented like any status (the next check)."""
    if response.status_code == 500:
        raise AssertionError(f"500 from {case.method} {case.path}: {response.text[:300]}")


@schemathesis.check
def error_code_documented(ctx, response, case) -> None:
    """An error answer's stable code is one the spec lists for that status of that route
    (probes with a method the route does not have answer the global 405)."""
    if response.status_code < 400 or case.method.upper() != case.operation.method.upper():
        return
    code = response.json()["error"]["code"]
    documented = case.operation.definition.raw["responses"].get(str(response.status_code), {})
    if f"`{code}`" not in documented.get("description", ""):
        raise AssertionError(
            f"{case.method} {case.path} answered {response.status_code} `{code}`, which its "
            f"spec does not list: {documented.get('description')!r}"
        )


CHECKS = [
    no_internal_error,
    error_code_documented,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_schema_conformance,
    checks.response_headers_conformance,
]
UNREACHABLE = "127.0.0.1:9"
"""Where the API is told Triton is: nothing listens there, so readiness is 503 by design."""


@pytest.fixture(scope="module")
def api(redis, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServiceStack]:
    prefix = f"dfrec-spec-{tmp_path_factory.getbasetemp().name}:"
    with migrated_schema() as schema:
        stack_settings = StackSettings(
            redis_url=REDIS_URL,
            triton_http_url=f"http://{UNREACHABLE}",
            triton_grpc_url=UNREACHABLE,
            key_prefix=prefix,
            extra_env={"DFREC_DATABASE_URL": DATABASE_URL, "DFREC_DATABASE_SCHEMA": schema},
        )
        logs = tmp_path_factory.mktemp("spec-logs")
        with ServiceStack(stack_settings, logs, workers=0) as stack:
            yield stack
    keys = list(redis.scan_iter(match=f"{prefix}*"))
    if keys:
        redis.delete(*keys)


schema = schemathesis.openapi.from_dict(create_app().openapi())
"""The spec as the code declares it; the last test shows the API process serves exactly it."""


@schema.parametrize()
@settings(
    max_examples=EXAMPLES_PER_OPERATION,
    derandomize=True,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
def test_every_answer_is_documented(case, api: ServiceStack) -> None:
    for headers in (api.auth, {}):
        case.call_and_validate(base_url=api.api_url, headers=headers, checks=CHECKS, timeout=30)


def test_the_spec_declares_both_ways_to_send_a_key(api: ServiceStack) -> None:
    spec = httpx.get(f"{api.api_url}/openapi.json", timeout=10).json()
    schemes = spec["components"]["securitySchemes"]
    assert schemes["bearer"] == {
        "type": "http",
        "scheme": "bearer",
        "description": "`Authorization: Bearer <key>`",
    }
    assert schemes["apiKey"]["in"] == "header" and schemes["apiKey"]["name"] == "x-api-key"
    recover = spec["paths"]["/v1/recover"]["post"]
    assert recover["security"] == [{"bearer": []}, {"apiKey": []}]
    error_body = {"$ref": "#/components/schemas/ErrorResponse"}
    for status in ("400", "401", "403", "409", "413", "415", "422", "429", "503"):
        assert recover["responses"][status]["content"]["application/json"]["schema"] == error_body
    assert "`unsupported_media_type`" in recover["responses"]["415"]["description"]


def test_the_spec_is_served_as_the_app_builds_it(api: ServiceStack) -> None:
    """The API process serves the spec its code declares (no stale copy anywhere)."""
    served = httpx.get(f"{api.api_url}/openapi.json", timeout=10).json()
    assert served == create_app().openapi()
