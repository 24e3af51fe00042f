"""The hostile corpus (tests/hostile_files.py, ~1,100 requests) against the API in-process,
backed by the real Redis (database 15, unique prefix): every answer is a 4xx with the error
body or a 202 whose stored photo is within the working size; never a 5xx."""

import io
import uuid
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from hostile_files import HostileCase, corpus, file_case, palette_bomb, rational_exif_jpeg
from PIL import Image
from redis import Redis
from service_stack import API_KEY, AUTH, REDIS_URL

from service.app import create_app
from service.config import ServiceSettings
from worker.localrun.processes import free_port

MAX_UPLOAD_BYTES = 1_000_000
WORKING_SIDE = 1024


@pytest.fixture(scope="module")
def api(redis: Redis, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    prefix = f"dfrec-test-{uuid.uuid4().hex[:12]}:"
    settings = ServiceSettings(
        env="test",
        redis_url=REDIS_URL,
        redis_key_prefix=prefix,
        triton_http_url=f"http://127.0.0.1:{free_port()}",
        max_upload_bytes=MAX_UPLOAD_BYTES,
        max_queued_jobs=100_000,
        working_max_side=WORKING_SIDE,
        development_api_key=API_KEY,
        video_storage_dir=tmp_path_factory.mktemp("videos"),
    )
    with TestClient(create_app(settings), raise_server_exceptions=False, headers=AUTH) as client:
        yield client
    keys = list(redis.scan_iter(match=f"{prefix}*"))
    if keys:
        redis.delete(*keys)


def post(client: TestClient, case: HostileCase):
    headers = {"content-type": case.content_type} if case.content_type else {}
    return client.post("/recover", content=case.body, headers=headers)


def problem(client: TestClient, case: HostileCase) -> str | None:
    """Why the answer to `case` is wrong, or None."""
    response = post(client, case)
    status = response.status_code
    if status == 202:
        facts = response.json()["input"]
        if facts["video"] is not None:
            return None
        if (
            max(facts["width"], facts["height"]) > WORKING_SIDE
            or min(facts["width"], facts["height"]) < 1
        ):
            return f"202 but stored {facts['width']} x {facts['height']}"
        return None
    if not 400 <= status < 500:
        return f"status {status}: {response.text[:200]}"
    error = response.json().get("error", {})
    if not (error.get("code") and error.get("request_id")):
        return f"{status} without a code and request id: {response.text[:200]}"
    return None


def test_corpus_is_large_enough() -> None:
    assert len(corpus(MAX_UPLOAD_BYTES)) >= 1000


def test_every_hostile_upload_gets_a_4xx_or_a_bounded_202(api: TestClient) -> None:
    cases = corpus(MAX_UPLOAD_BYTES)
    problems = {case.id: why for case in cases if (why := problem(api, case))}
    assert not problems, f"{len(problems)} of {len(cases)}: {dict(list(problems.items())[:20])}"


def test_hostile_videos_get_their_stable_codes(api: TestClient) -> None:
    from hostile_videos import EXPECTED, hostile_videos

    cases = {case.id: case for case in hostile_videos()}
    assert len(cases) >= 50 and set(EXPECTED) <= set(cases)
    answers = {}
    for name in EXPECTED:
        response = post(api, cases[name])
        got = response.json()["error"]["code"] if response.status_code != 202 else None
        answers[name] = (response.status_code, got)
    assert answers == EXPECTED


def test_palette_bomb_is_stored_at_the_working_size(api: TestClient) -> None:
    response = post(api, file_case("probe", "bomb", palette_bomb()))
    assert response.status_code == 202, response.text
    assert response.json()["input"]["width"] <= WORKING_SIDE


def test_rational_exif_is_turned_upright_not_a_500(api: TestClient) -> None:
    response = post(api, file_case("probe", "exif", rational_exif_jpeg()))
    assert response.status_code == 202, response.text
    facts = response.json()["input"]
    assert (facts["width"], facts["height"]) == (20, 60)


def test_over_budget_decode_and_frames_are_413(redis: Redis) -> None:
    from hostile_files import encode, picture

    settings = ServiceSettings(
        env="test",
        redis_url=REDIS_URL,
        redis_key_prefix=f"dfrec-test-{uuid.uuid4().hex[:12]}:",
        max_decode_bytes=100_000,
        max_image_frames=2,
        development_api_key=API_KEY,
    )
    rgb_png = encode(Image.new("RGB", (200, 200)), "PNG")  # 160 kB decoded as RGBX
    frames = [picture(size=(16, 16))] * 3
    apng = encode(frames[0], "PNG", save_all=True, append_images=frames[1:])
    with TestClient(create_app(settings), headers=AUTH) as client:
        for data, code in ((rgb_png, "too_many_pixels"), (apng, "too_many_frames")):
            response = post(client, file_case("budget", code, data))
            assert response.status_code == 413 and response.json()["error"]["code"] == code


def test_large_jpeg_is_decoded_at_a_reduced_scale() -> None:
    from hostile_files import declared_size_jpeg

    from service.image_budget import reduce_jpeg_decoding

    image = Image.open(io.BytesIO(declared_size_jpeg()))
    reduce_jpeg_decoding(image, WORKING_SIDE)
    assert max(image.size) <= 6000 // 4


def test_a_video_storage_that_cannot_take_the_file_is_503(redis: Redis, tmp_path) -> None:
    from hostile_videos import small_clip, video_case

    blocked = tmp_path / "not-a-directory"
    blocked.write_bytes(b"")
    settings = ServiceSettings(
        env="test",
        redis_url=REDIS_URL,
        redis_key_prefix=f"dfrec-test-{uuid.uuid4().hex[:12]}:",
        development_api_key=API_KEY,
        video_storage_dir=blocked,
    )
    with TestClient(create_app(settings), headers=AUTH) as client:
        response = post(client, video_case("storage", small_clip()))
    assert response.status_code == 503, response.text
    assert response.json()["error"]["code"] == "storage_unavailable"
    assert response.headers["Retry-After"]
