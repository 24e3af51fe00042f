"""A subset of the hostile corpus against the API under its real server (`python -m service`,
uvicorn on h11 with its limits) and the real Redis: over one kept-alive connection, every
request gets a whole 4xx or 202 answer and the connection survives decode failures; a 20 MB
header is refused; 200 concurrent submits never admit more than the queue bound."""

import http.client
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from hostile_files import corpus, encode, file_case, picture
from redis import Redis
from service_stack import REDIS_URL

from worker.localrun.stack import ServiceStack, StackSettings

pytestmark = [pytest.mark.service]

MAX_UPLOAD_BYTES = 1_000_000
EVERY_NTH_CASE = 7
FILE_FAMILIES = ("probe", "truncated", "bitflip", "exif", "mode", "animated", "size")


@pytest.fixture(scope="module")
def api(redis: Redis, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServiceStack]:
    """The API alone (no worker, no Triton): a queue bound of 100, enough decode slots."""
    prefix = f"dfrec-test-{uuid.uuid4().hex[:12]}:"
    settings = StackSettings(
        redis_url=REDIS_URL,
        triton_http_url="http://127.0.0.1:9",
        triton_grpc_url="127.0.0.1:9",
        key_prefix=prefix,
        extra_env={
            "DFREC_ENV": "test",
            "DFREC_MAX_UPLOAD_BYTES": str(MAX_UPLOAD_BYTES),
            "DFREC_MAX_QUEUED_JOBS": "100",
            "DFREC_MAX_CONCURRENT_DECODES": "8",
            "DFREC_DECODE_WAIT_SECONDS": "30",
            "DFREC_VIDEO_STORAGE_DIR": str(tmp_path_factory.mktemp("videos")),
        },
    )
    stack = ServiceStack(settings, Path(tmp_path_factory.mktemp("hostile")), workers=0)
    with stack:
        yield stack
    keys = list(redis.scan_iter(match=f"{prefix}*"))
    if keys:
        redis.delete(*keys)


def clear_queue(redis: Redis, stack: ServiceStack) -> None:
    keys = list(redis.scan_iter(match=f"{stack.settings.key_prefix}*"))
    if keys:
        redis.delete(*keys)


def test_hostile_subset_over_one_connection(api: ServiceStack, redis: Redis) -> None:
    cases = corpus(MAX_UPLOAD_BYTES)[::EVERY_NTH_CASE]
    connection = http.client.HTTPConnection("127.0.0.1", api.api_port, timeout=30)
    problems = []
    for case in cases:
        clear_queue(redis, api)  # keep the bound out of the way here
        headers = {"Content-Type": case.content_type} if case.content_type else {}
        headers |= api.auth
        try:
            connection.request("POST", "/recover", body=case.body, headers=headers)
            response = connection.getresponse()
            response.read()
        except (http.client.HTTPException, OSError) as error:
            problems.append(f"{case.id}: connection dropped ({error!r})")
            connection = http.client.HTTPConnection("127.0.0.1", api.api_port, timeout=30)
            continue
        if not (response.status == 202 or 400 <= response.status < 500):
            problems.append(f"{case.id}: status {response.status}")
        if response.getheader("connection", "").lower() == "close":
            if case.family in FILE_FAMILIES:
                problems.append(f"{case.id}: {response.status} closed the connection")
            connection.close()
    assert len(cases) >= 150
    assert not problems, problems[:20]


def test_a_20_megabyte_header_is_refused(api: ServiceStack) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", api.api_port, timeout=30)
    connection.putrequest("GET", "/healthz")
    connection.putheader("X-Padding", "a" * (20 * 1024 * 1024))
    try:
        connection.endheaders()
        status = connection.getresponse().status
    except (ConnectionResetError, BrokenPipeError):
        status = None  # refused before it finished sending
    assert status is None or 400 <= status < 500
    assert httpx.get(f"{api.api_url}/healthz").status_code == 200


def test_200_concurrent_submits_never_pass_the_queue_bound(api: ServiceStack, redis: Redis) -> None:
    clear_queue(redis, api)
    data = encode(picture(size=(32, 32)), "PNG")
    body = file_case("burst", "png", data).body
    headers = {"content-type": file_case("burst", "png", data).content_type} | api.auth

    def submit(_: int) -> int:
        return httpx.post(
            f"{api.api_url}/recover", content=body, headers=headers, timeout=60
        ).status_code

    with ThreadPoolExecutor(max_workers=50) as pool:
        statuses = list(pool.map(submit, range(200)))
    assert statuses.count(202) == 100, statuses
    assert set(statuses) <= {202, 429}
