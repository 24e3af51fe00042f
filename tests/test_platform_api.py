"""The API as several platforms use it, against the real stack (bundled Triton on a tiny
random-weight model, real Celery workers, the API under uvicorn, Redis database 15): keys and
scopes, tenant isolation, rate limits, idempotent submits, signed webhooks with retries, and
evidence that verifies with the published public key alone, across a key rotation.

Tenant keys are made with the same key store the admin CLI uses (dfrec_contract.apikeys).
"""

import http.server
import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from photos import gradient_photo, png_bytes
from redis import Redis
from service_stack import write_signing_key

from client import WebhookVerificationError, verify_webhook
from dfrec_contract.apikeys import KeyStore, Quota, Scope
from dfrec_contract.webhooks import SIGNATURE_HEADER
from worker.localrun.processes import free_port, wait_until

pytestmark = [pytest.mark.service, pytest.mark.slow, pytest.mark.data]

JOB_TIMEOUT = 90.0
ALL = frozenset(Scope)
NO_LIMITS = Quota(rate_per_minute=0, burst=0, max_active_jobs=0)


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def make_key(
    redis: Redis, stack, tenant: str, scopes=ALL, quota: Quota = NO_LIMITS
) -> tuple[str, str]:
    """(API key, its webhook secret) of a new key of `tenant` in the stack's Redis."""
    key, record = KeyStore(redis, stack.settings.key_prefix).create(
        f"{tenant}-key", tenant, frozenset(scopes), quota
    )
    return key, record.webhook_secret


def post_image(api: str, key: str | None, image: bytes, **extra) -> httpx.Response:
    headers = {**(bearer(key) if key else {}), **extra.pop("headers", {})}
    files = {"image": ("photo.png", image, "image/png")}
    return httpx.post(f"{api}/recover", files=files, headers=headers, timeout=60, **extra)


def wait_finished(api: str, key: str, job_id: str) -> dict:
    job: dict = {}

    def finished() -> bool:
        nonlocal job
        job = httpx.get(f"{api}/jobs/{job_id}", headers=bearer(key)).json()
        return job["status"] in ("succeeded", "failed", "not_applicable")

    wait_until(finished, JOB_TIMEOUT, f"job {job_id} finishing", interval=0.1)
    return job


def error_code(response: httpx.Response) -> str:
    return response.json()["error"]["code"]


@pytest.fixture
def no_face() -> bytes:
    return png_bytes(gradient_photo((96, 64)))


def test_keys_scopes_and_revocation(make_stack, redis: Redis, no_face: bytes) -> None:
    stack = make_stack(workers=0)
    api = stack.api_url
    unknown_job = f"{api}/jobs/{'0' * 32}"

    missing = post_image(api, None, no_face)
    assert missing.status_code == 401 and error_code(missing) == "unauthorized"
    assert missing.headers["www-authenticate"].startswith("Bearer")
    for url in (unknown_job, f"{unknown_job}/evidence", f"{unknown_job}/artifacts/mask.png"):
        assert error_code(httpx.get(url)) == "unauthorized"
    wrong = httpx.get(unknown_job, headers=bearer("dfk_not-a-key"))
    assert wrong.status_code == 401 and error_code(wrong) == "unauthorized"
    for public in ("/healthz", "/.well-known/dfrec-keys.json", "/"):
        assert httpx.get(f"{api}{public}").status_code == 200, public

    submitter, _ = make_key(redis, stack, "acme", {Scope.SUBMIT})
    reader, _ = make_key(redis, stack, "acme", {Scope.READ})
    admin, _ = make_key(redis, stack, "acme", {Scope.ADMIN})
    make_key(redis, stack, "other")
    accepted = post_image(api, None, no_face, headers={"X-API-Key": submitter})
    assert accepted.status_code == 202, accepted.text
    job_url = f"{api}/jobs/{accepted.json()['id']}"
    assert error_code(httpx.get(job_url, headers=bearer(submitter))) == "forbidden"
    assert httpx.get(job_url, headers=bearer(reader)).status_code == 200
    denied = post_image(api, reader, no_face)
    assert denied.status_code == 403 and error_code(denied) == "forbidden"

    assert error_code(httpx.get(f"{api}/admin/keys", headers=bearer(reader))) == "forbidden"
    listed = httpx.get(f"{api}/admin/keys", headers=bearer(admin)).json()["keys"]
    assert {entry["tenant"] for entry in listed} == {"acme"} and len(listed) == 3
    assert submitter not in json.dumps(listed)

    store = KeyStore(redis, stack.settings.key_prefix)
    store.revoke(store.get(reader).id)
    revoked = httpx.get(job_url, headers=bearer(reader))
    assert revoked.status_code == 401 and error_code(revoked) == "key_revoked"


def test_another_tenant_gets_404_on_job_artifacts_and_evidence(
    make_stack, redis: Redis, portrait
) -> None:
    stack = make_stack()
    api = stack.api_url
    key_a, _ = make_key(redis, stack, "tenant-a")
    key_b, _ = make_key(redis, stack, "tenant-b")
    accepted = post_image(api, key_a, portrait(1))
    assert accepted.status_code == 202, accepted.text
    job = wait_finished(api, key_a, accepted.json()["id"])
    assert job["status"] == "succeeded", job

    paths = [
        f"/jobs/{job['id']}",
        f"/v1/jobs/{job['id']}",
        f"/jobs/{job['id']}/evidence",
        *(artifact["url"] for artifact in job["result"]["artifacts"].values()),
    ]
    for path in paths:
        assert httpx.get(f"{api}{path}", headers=bearer(key_a)).status_code == 200, path
        foreign = httpx.get(f"{api}{path}", headers=bearer(key_b))
        unknown = httpx.get(f"{api}{path.replace(job['id'], 'f' * 32)}", headers=bearer(key_b))
        assert foreign.status_code == unknown.status_code == 404, path
        assert error_code(foreign) == error_code(unknown) == "job_not_found"
        assert (
            foreign.json()["error"]["message"].replace(job["id"], "f" * 32)
            == (unknown.json()["error"]["message"])
        )


def test_rate_limit_is_429_with_retry_after_and_recovers(
    make_stack, redis: Redis, no_face: bytes
) -> None:
    stack = make_stack(DFREC_TEST_STAGE_DELAY_SECONDS="2")
    api = stack.api_url
    key, _ = make_key(redis, stack, "bursty", quota=Quota(60, 2, 0))
    answers = [post_image(api, key, no_face) for _ in range(3)]
    assert [answer.status_code for answer in answers] == [202, 202, 429]
    limited = answers[2]
    assert error_code(limited) == "rate_limited"
    assert limited.headers["ratelimit-limit"] == "2"
    assert limited.headers["ratelimit-remaining"] == "0"
    assert answers[0].headers["ratelimit-remaining"] == "1"
    retry_after = int(limited.headers["retry-after"])
    assert 1 <= retry_after <= 2
    time.sleep(retry_after)
    assert post_image(api, key, no_face).status_code == 202

    busy, _ = make_key(redis, stack, "busy", quota=Quota(0, 0, 1))
    first = post_image(api, busy, no_face)
    assert first.status_code == 202
    second = post_image(api, busy, no_face)
    assert second.status_code == 429 and error_code(second) == "rate_limited"
    assert "unfinished" in second.json()["error"]["message"] and "retry-after" in second.headers
    wait_finished(api, busy, first.json()["id"])
    assert post_image(api, busy, no_face).status_code == 202

    metrics = httpx.get(f"{api}/metrics").text
    assert 'dfrec_tenant_requests_rejected_total{code="rate_limited",tenant="bursty"} 1.0' in (
        metrics
    )
    assert 'dfrec_tenant_jobs_submitted_total{tenant="bursty"} 3.0' in metrics
    assert key not in metrics and busy not in metrics


def test_one_idempotency_key_makes_one_job_under_20_concurrent_retries(
    make_stack, redis: Redis, no_face: bytes
) -> None:
    stack = make_stack(workers=0)
    api = stack.api_url
    key, _ = make_key(redis, stack, "retrier")
    headers = {"Idempotency-Key": "order-4711"}

    with ThreadPoolExecutor(max_workers=20) as pool:
        answers = list(
            pool.map(lambda _: post_image(api, key, no_face, headers=headers), range(20))
        )
    assert sorted(answer.status_code for answer in answers) == [200] * 19 + [202], [
        answer.text for answer in answers if answer.status_code not in (200, 202)
    ]
    assert len({answer.json()["id"] for answer in answers}) == 1
    jobs = list(redis.scan_iter(match=f"{stack.settings.key_prefix}job:*"))
    assert len(jobs) == 1

    conflict = post_image(api, key, png_bytes(gradient_photo((64, 64))), headers=headers)
    assert conflict.status_code == 409 and error_code(conflict) == "idempotency_conflict"
    other_tenant, _ = make_key(redis, stack, "someone-else")
    theirs = post_image(api, other_tenant, no_face, headers=headers)
    assert theirs.status_code == 202 and theirs.json()["id"] != answers[0].json()["id"]


class Receiver(http.server.ThreadingHTTPServer):
    """A local webhook receiver: answers 500 to the first `failures` posts, then 200."""

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.received: list[tuple[int, dict[str, str], bytes]] = []
        super().__init__(("127.0.0.1", free_port()), ReceiverHandler)


class ReceiverHandler(http.server.BaseHTTPRequestHandler):
    def do_POST(self) -> None:  # noqa: N802 (the http.server API)
        body = self.rfile.read(int(self.headers["Content-Length"]))
        server: Receiver = self.server  # type: ignore[assignment]
        status = 500 if len(server.received) < server.failures else 200
        server.received.append((status, dict(self.headers), body))
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *_) -> None:
        pass


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver(failures=1)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def test_webhook_is_signed_retried_and_recorded(
    make_stack, redis: Redis, receiver: Receiver, no_face: bytes
) -> None:
    stack = make_stack(DFREC_WEBHOOK_BACKOFF_SECONDS="0.5")
    api = stack.api_url
    key, secret = make_key(redis, stack, "hooked")
    callback = f"http://127.0.0.1:{receiver.server_address[1]}/dfrec"
    refused = post_image(api, key, no_face, data={"callback_url": "ftp://example.com/x"})
    assert refused.status_code == 422 and error_code(refused) == "invalid_callback_url"

    accepted = post_image(api, key, no_face, data={"callback_url": callback})
    assert accepted.status_code == 202, accepted.text
    job_id = accepted.json()["id"]
    wait_until(lambda: len(receiver.received) >= 2, JOB_TIMEOUT, "two webhook deliveries")

    (first_status, _, first_body), (status, headers, body) = receiver.received[:2]
    assert (first_status, status) == (500, 200)
    assert first_body == body
    summary = verify_webhook(body, headers[SIGNATURE_HEADER], secret)
    assert summary["id"] == job_id and summary["status"] == "not_applicable"
    assert summary["event"] == "job.finished" and summary["links"]["self"] == f"/v1/jobs/{job_id}"
    tampered = body.replace(b"not_applicable", b"succeeded")
    with pytest.raises(WebhookVerificationError, match="does not match"):
        verify_webhook(tampered, headers[SIGNATURE_HEADER], secret)
    with pytest.raises(WebhookVerificationError):
        verify_webhook(body, headers[SIGNATURE_HEADER], "whsec_someone-elses")
    with pytest.raises(WebhookVerificationError, match="tolerance"):
        verify_webhook(body, headers[SIGNATURE_HEADER], secret, now=time.time() + 3600)

    def delivered() -> dict | None:
        job = httpx.get(f"{api}/jobs/{job_id}", headers=bearer(key)).json()
        return job if job["webhook"]["state"] == "delivered" else None

    wait_until(lambda: delivered() is not None, 10, "the delivery recorded")
    webhook = delivered()["webhook"]
    assert webhook["url"] == callback
    attempts = [(a["attempt"], a["status_code"], a["outcome"]) for a in webhook["attempts"]]
    assert attempts == [(1, 500, "retrying"), (2, 200, "delivered")]


def edit_one_byte(manifest: Path) -> None:
    """Change one character of the job id inside the manifest (still valid JSON)."""
    text = manifest.read_text()
    job_id = json.loads(text)["job_id"]
    changed = ("0" if job_id[0] != "0" else "1") + job_id[1:]
    manifest.write_text(text.replace(f'"job_id": "{job_id}"', f'"job_id": "{changed}"'))


def verify_cli(manifest: Path, keys: Path) -> subprocess.CompletedProcess:
    """`python -m client verify` with the public keys only: no API address, no API key."""
    environment = {
        name: value for name, value in os.environ.items() if not name.startswith("DFREC_")
    }
    command = [sys.executable, "-m", "client", "--url", "http://127.0.0.1:9"]
    command += ["verify", str(manifest), "--public-keys", str(keys)]
    return subprocess.run(command, capture_output=True, text=True, env=environment, timeout=60)


def test_manifest_verifies_with_the_published_public_key_only_across_a_rotation(
    make_stack, redis: Redis, portrait, tmp_path: Path
) -> None:
    stack = make_stack()
    api = stack.api_url
    key, _ = make_key(redis, stack, "court")

    def evidence_of(index: int) -> Path:
        job_id = post_image(api, key, portrait(index)).json()["id"]
        assert wait_finished(api, key, job_id)["status"] == "succeeded"
        path = tmp_path / f"evidence-{index}.json"
        path.write_bytes(httpx.get(f"{api}/jobs/{job_id}/evidence", headers=bearer(key)).content)
        return path

    old = evidence_of(2)
    rotated = stack.new_worker(
        "rotated", DFREC_EVIDENCE_SIGNING_KEY_FILE=str(write_signing_key(tmp_path / "new.pem"))
    )
    stack.workers[0].stop()
    stack.workers.append(rotated.start())
    new = evidence_of(3)

    published = httpx.get(f"{api}/.well-known/dfrec-keys.json")  # no API key needed
    keys = tmp_path / "dfrec-keys.json"
    keys.write_bytes(published.content)
    kids = [jwk["kid"] for jwk in published.json()["keys"]]
    signers = [json.loads(path.read_text())["signature"]["key_id"] for path in (old, new)]
    assert len(kids) == 2 and kids == signers, (kids, signers)
    for manifest in (old, new):
        verified = verify_cli(manifest, keys)
        assert verified.returncode == 0 and "verified" in verified.stdout, verified.stderr
        edit_one_byte(manifest)
        refused = verify_cli(manifest, keys)
        assert refused.returncode == 1 and "does not match" in refused.stderr, refused.stderr
