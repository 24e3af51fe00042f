"""The API alone (FastAPI TestClient) against the real Redis, in database 15 under a unique key
prefix that is deleted afterwards. Nothing consumes the queue here; see test_integration_*."""

import io
import struct
import uuid
import zlib
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from PIL import Image
from redis import Redis
from service_stack import API_KEY, REDIS_URL  # the shared `redis` fixture comes from here

from service.app import create_app
from service.config import ServiceSettings
from worker.localrun.processes import free_port

MAX_UPLOAD_BYTES = 200_000
MAX_IMAGE_PIXELS = 1_000_000


def encode(image: Image.Image, format: str, **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=format, **options)
    return buffer.getvalue()


def face_like(mode: str = "RGB", size=(48, 40)) -> Image.Image:
    """A small picture with structure (a gradient), in `mode`."""
    gradient = Image.linear_gradient("L").resize(size)
    rgb = Image.merge(
        "RGB", (gradient, gradient.transpose(Image.Transpose.FLIP_LEFT_RIGHT), gradient.rotate(90))
    )
    return rgb.convert(mode)


def png_declaring_size(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims width x height: a decompression bomb for the header."""
    data = encode(Image.new("L", (1, 1)), "PNG")
    ihdr = bytearray(data[16:29])
    ihdr[0:8] = struct.pack(">II", width, height)
    crc = struct.pack(">I", zlib.crc32(b"IHDR" + bytes(ihdr)))
    return data[:16] + bytes(ihdr) + crc + data[33:]


def upload(client: TestClient, data: bytes, path="/recover", field="image", name="face.png"):
    return client.post(path, files={field: (name, data, "application/octet-stream")})


def assert_error(response, status: int, code: str) -> None:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) >= {"error"} and body["error"]["code"] == code
    assert body["error"]["message"]


@pytest.fixture
def make_client(redis: Redis) -> Iterator:
    """Builds API clients, each under its own key prefix; deletes those keys afterwards."""
    prefixes = []
    clients = []

    def build(**overrides) -> TestClient:
        prefix = f"dfrec-test-{uuid.uuid4().hex[:12]}:"
        prefixes.append(prefix)
        values = {
            "env": "test",
            "redis_url": REDIS_URL,
            "redis_key_prefix": prefix,
            "triton_http_url": f"http://127.0.0.1:{free_port()}",  # nothing listens there
            "max_upload_bytes": MAX_UPLOAD_BYTES,
            "max_image_pixels": MAX_IMAGE_PIXELS,
            "development_api_key": API_KEY,
        }
        settings = ServiceSettings(**(values | overrides))
        client = TestClient(create_app(settings), headers={"Authorization": f"Bearer {API_KEY}"})
        client.__enter__()
        clients.append(client)
        return client

    yield build
    for client in clients:
        client.__exit__(None, None, None)
    for prefix in prefixes:
        keys = list(redis.scan_iter(match=f"{prefix}*"))
        if keys:
            redis.delete(*keys)


@pytest.fixture
def client(make_client) -> TestClient:
    return make_client()


# --- accepted uploads ------------------------------------------------------------------------


def test_submit_answers_202_with_location_and_retry_after(client: TestClient) -> None:
    data = encode(face_like(), "JPEG")
    response = upload(client, data)
    assert response.status_code == 202, response.text
    job = response.json()
    assert response.headers["location"] == f"/jobs/{job['id']}"
    assert int(response.headers["retry-after"]) >= 1
    assert job["status"] == "queued" and job["stage"] == "queued"
    assert job["input"]["format"] == "JPEG"
    assert (job["input"]["width"], job["input"]["height"]) == (48, 40)
    polled = client.get(response.headers["location"])
    assert polled.status_code == 200 and polled.json()["id"] == job["id"]
    assert "retry-after" in polled.headers


def test_v1_prefix_keeps_links_under_v1(client: TestClient) -> None:
    response = upload(client, encode(face_like(), "PNG"), path="/v1/recover")
    assert response.status_code == 202
    job_id = response.json()["id"]
    assert response.headers["location"] == f"/v1/jobs/{job_id}"
    assert client.get(f"/v1/jobs/{job_id}").json()["links"]["self"] == f"/v1/jobs/{job_id}"


def test_input_sha256_is_of_the_uploaded_bytes(client: TestClient) -> None:
    import hashlib

    data = encode(face_like(), "WEBP", lossless=True)
    job = upload(client, data).json()
    assert job["input"]["sha256"] == hashlib.sha256(data).hexdigest()
    assert job["input"]["format"] == "WEBP" and job["input"]["size_bytes"] == len(data)


@pytest.mark.parametrize(
    ("mode", "format"),
    [
        ("L", "PNG"),  # grayscale
        ("LA", "PNG"),  # grayscale + alpha
        ("RGBA", "PNG"),
        ("RGBA", "WEBP"),
        ("P", "PNG"),  # palette
        ("1", "PNG"),  # bilevel
        ("CMYK", "JPEG"),
        ("I;16", "PNG"),  # 16-bit grayscale
        ("L", "JPEG"),
    ],
)
def test_odd_modes_are_normalized_and_accepted(client: TestClient, mode: str, format: str) -> None:
    response = upload(client, encode(face_like(mode), format))
    assert response.status_code == 202, response.text


def test_sixteen_bit_gray_is_scaled_not_clipped(client: TestClient) -> None:
    from service.image_budget import DecodeBudget
    from service.images import normalize_image

    image = Image.new("I;16", (4, 4), 40000)
    budget = DecodeBudget(MAX_IMAGE_PIXELS, 1, 1 << 20, 64)
    normalized = normalize_image(encode(image, "PNG"), budget)
    pixel = Image.open(io.BytesIO(normalized.png)).getpixel((0, 0))
    assert pixel == (156, 156, 156)  # 40000 / 257, not 255


def test_exif_orientation_is_applied(client: TestClient) -> None:
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90 degrees clockwise to display
    data = encode(face_like(size=(60, 20)), "JPEG", exif=exif)
    job = upload(client, data).json()
    assert (job["input"]["width"], job["input"]["height"]) == (20, 60)


# --- refused uploads: every case answers a stable code, never 500 ---------------------------


def test_not_multipart_is_415(client: TestClient) -> None:
    response = client.post(
        "/recover", content=encode(face_like(), "PNG"), headers={"content-type": "image/png"}
    )
    assert_error(response, 415, "multipart_required")


def test_no_content_type_and_empty_body_is_415(client: TestClient) -> None:
    assert_error(client.post("/recover"), 415, "multipart_required")


def test_empty_multipart_body_is_missing_image(client: TestClient) -> None:
    response = client.post(
        "/recover", content=b"", headers={"content-type": "multipart/form-data; boundary=xyz"}
    )
    assert_error(response, 422, "missing_image")


def test_missing_field_is_422(client: TestClient) -> None:
    response = upload(client, encode(face_like(), "PNG"), field="file")
    assert_error(response, 422, "missing_image")


def test_other_fields_only_is_missing_image(client: TestClient) -> None:
    response = client.post(
        "/recover", data={"note": "no file"}, files={"other": ("x.png", b"abc", "image/png")}
    )
    assert_error(response, 422, "missing_image")


def test_empty_file_is_422(client: TestClient) -> None:
    assert_error(upload(client, b""), 422, "empty_image")


def test_non_image_is_415(client: TestClient) -> None:
    assert_error(
        upload(client, b"hello, this is text", name="face.jpg"), 415, "unsupported_media_type"
    )


@pytest.mark.parametrize("format", ["GIF", "BMP", "TIFF"])
def test_unsupported_image_type_is_415(client: TestClient, format: str) -> None:
    assert_error(upload(client, encode(face_like(), format)), 415, "unsupported_media_type")


def test_truncated_jpeg_is_422(client: TestClient) -> None:
    data = encode(face_like(size=(200, 200)), "JPEG", quality=95)
    assert_error(upload(client, data[: len(data) // 2]), 422, "undecodable_image")


def test_truncated_png_is_422(client: TestClient) -> None:
    data = encode(face_like(size=(200, 200)), "PNG")
    assert_error(upload(client, data[: len(data) // 2]), 422, "undecodable_image")


def test_over_size_upload_is_413(client: TestClient) -> None:
    assert_error(upload(client, b"\xff" * (MAX_UPLOAD_BYTES + 1)), 413, "upload_too_large")


def test_over_size_streamed_without_content_length_is_413(client: TestClient) -> None:
    boundary = "streamboundary"
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="image"; '
        f'filename="big.png"\r\nContent-Type: image/png\r\n\r\n'
    ).encode()

    def body() -> Iterator[bytes]:
        yield head
        for _ in range(2 * MAX_UPLOAD_BYTES // 65536 + 1):
            yield b"\0" * 65536
        yield f"\r\n--{boundary}--\r\n".encode()

    response = client.post(
        "/recover",
        content=body(),
        headers={"content-type": f"multipart/form-data; boundary={boundary}"},
    )
    assert_error(response, 413, "upload_too_large")


def test_lying_content_length_is_not_trusted(client: TestClient) -> None:
    data = b"\xff" * (MAX_UPLOAD_BYTES + 1000)
    request = client.build_request("POST", "/recover", files={"image": ("a.png", data)})
    request.headers["content-length"] = "100"
    response = client.send(request)
    assert response.status_code in (400, 413), response.text
    assert response.json()["error"]["code"] in ("upload_too_large", "malformed_multipart")


def test_pixel_limit_is_413(client: TestClient) -> None:
    assert_error(upload(client, png_declaring_size(2000, 2000)), 413, "too_many_pixels")


def test_decompression_bomb_header_is_413(client: TestClient) -> None:
    assert_error(upload(client, png_declaring_size(60000, 60000)), 413, "too_many_pixels")


def test_malformed_multipart_is_400(client: TestClient) -> None:
    response = client.post(
        "/recover",
        content=b"--xyz\r\nthis is not a header line at all\r\n\r\n",
        headers={"content-type": "multipart/form-data; boundary=xyz"},
    )
    assert response.status_code in (400, 422), response.text
    assert response.json()["error"]["code"] in ("malformed_multipart", "missing_image")


def test_queue_full_is_429_with_retry_after(make_client) -> None:
    client = make_client(max_queued_jobs=2)
    data = encode(face_like(), "PNG")
    assert [upload(client, data).status_code for _ in range(2)] == [202, 202]
    response = upload(client, data)
    assert_error(response, 429, "queue_full")
    assert int(response.headers["retry-after"]) >= 1


def test_redis_down_is_503(make_client) -> None:
    client = make_client(redis_url=f"redis://127.0.0.1:{free_port()}/0", redis_timeout_seconds=0.5)
    assert_error(upload(client, encode(face_like(), "PNG")), 503, "redis_unavailable")
    assert_error(client.get(f"/jobs/{uuid.uuid4().hex}"), 503, "redis_unavailable")


# --- jobs, artifacts, health, metrics --------------------------------------------------------


def test_unknown_job_is_404(client: TestClient) -> None:
    assert_error(client.get(f"/jobs/{uuid.uuid4().hex}"), 404, "job_not_found")
    assert_error(client.get("/jobs/not-an-id"), 404, "job_not_found")
    assert_error(client.get(f"/jobs/{uuid.uuid4().hex}/artifacts/mask.png"), 404, "job_not_found")


def test_artifact_of_unfinished_job_is_409(client: TestClient) -> None:
    job = upload(client, encode(face_like(), "PNG")).json()
    assert_error(client.get(f"/jobs/{job['id']}/artifacts/mask.png"), 409, "job_not_finished")


def test_unknown_route_and_method_use_the_error_body(client: TestClient) -> None:
    assert_error(client.get("/nowhere"), 404, "not_found")
    assert_error(client.delete("/recover"), 405, "method_not_allowed")


def test_job_past_deadline_is_left_to_the_workers_sweep(make_client) -> None:
    """A GET never changes a job; the workers fail overdue ones (test_job_transitions)."""
    import time

    client = make_client(job_deadline_seconds=1)
    job = upload(client, encode(face_like(), "PNG")).json()
    time.sleep(1.2)
    assert client.get(f"/jobs/{job['id']}").json()["status"] == "queued"
    assert 'dfrec_jobs_failed_total{code="timeout"}' not in client.get("/metrics").text


def test_healthz_and_readyz_names_what_is_down(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    response = client.get("/readyz")
    assert_error(response, 503, "not_ready")
    checks = response.json()["checks"]
    assert checks["redis"] == "ok" and checks["triton"] != "ok" and checks["ensemble"] != "ok"
    assert "triton" in response.json()["error"]["message"]


def test_metrics_count_requests_by_route_template(client: TestClient) -> None:
    upload(client, encode(face_like(), "PNG"))
    client.get(f"/jobs/{uuid.uuid4().hex}")
    text = client.get("/metrics").text
    assert 'http_requests_total{method="POST",route="/recover",status="202"} 1.0' in text
    assert 'http_requests_total{method="GET",route="/jobs/{job_id}",status="404"} 1.0' in text
    assert "dfrec_jobs_submitted_total 1.0" in text
    assert "dfrec_queue_depth 1.0" in text
    assert "http_request_duration_seconds_bucket" in text


def test_openapi_describes_the_upload(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    body = schema["paths"]["/recover"]["post"]["requestBody"]["content"]["multipart/form-data"]
    assert body["schema"]["required"] == ["image"]
    assert client.get("/docs").status_code == 200
