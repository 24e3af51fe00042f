"""The platform pieces without the stack: where callbacks may go in production, webhook
signatures, the admin CLI and its audit lines (real Redis, database 15), the production
refusals about API keys, the token bucket and Ed25519 key rotation."""

import json
import subprocess
import sys
import time
from types import SimpleNamespace

import pytest
from redis import Redis
from service_stack import REDIS_URL

from dfrec_contract.apikeys import KeyStore, Quota, Scope
from dfrec_contract.evidence import (
    Ed25519PrivateKey,
    public_keys_from_jwks,
    sign_ed25519,
    verify,
)
from dfrec_contract.evidence_keys import publish_public_key, published_keys
from dfrec_contract.webhooks import (
    CallbackUrlError,
    WebhookVerificationError,
    check_callback_url,
    signature_header,
    verify_signature,
)
from service.auth import authenticate, prepare_keys
from service.config import ServiceSettings
from service.errors import ApiError
from service.limits import SubmitLimiter
from service.metrics import ApiMetrics


@pytest.mark.parametrize(
    "url",
    [
        "http://example.com/hook",  # not https
        "https://127.0.0.1/hook",
        "https://localhost/hook",  # resolves to loopback
        "https://10.1.2.3/hook",
        "https://192.168.0.10/hook",
        "https://169.254.169.254/latest/meta-data",  # link-local (cloud metadata)
        "https://[::1]/hook",
        "https://[fe80::1]/hook",
        "https://[::ffff:10.0.0.1]/hook",
        "https://0.0.0.0/hook",
        "https://user:pw@93.184.215.14/hook",
    ],
)
def test_production_refuses_callbacks_to_private_or_plain_http_addresses(url: str) -> None:
    with pytest.raises(CallbackUrlError):
        check_callback_url(url, production=True)


def test_production_accepts_a_public_https_callback_and_development_a_local_one() -> None:
    assert check_callback_url("https://93.184.215.14/hook", production=True)
    assert check_callback_url("http://127.0.0.1:9000/hook", production=False)


def test_webhook_signature_round_trip_and_refusals() -> None:
    body = b'{"id":"abc","status":"succeeded"}'
    header = signature_header("whsec_s", body, 1_000_000)
    assert header.startswith("t=1000000,v1=")
    assert verify_signature(body, header, "whsec_s", now=1_000_010) == 1_000_000
    for bad_body, bad_header, now in (
        (body + b" ", header, 1_000_010),
        (body, header.replace("t=1000000", "t=1000001"), 1_000_010),
        (body, header, 1_000_000 + 301),
        (body, "v1=abc", 1_000_010),
    ):
        with pytest.raises(WebhookVerificationError):
            verify_signature(bad_body, bad_header, "whsec_s", now=now)


@pytest.fixture
def store(redis: Redis, key_prefix: str) -> KeyStore:
    return KeyStore(redis, key_prefix)


def run_admin(prefix: str, *arguments: str) -> subprocess.CompletedProcess:
    environment = {"DFREC_REDIS_URL": REDIS_URL, "DFREC_REDIS_KEY_PREFIX": prefix, "PATH": ""}
    command = [sys.executable, "-m", "service.admin", "--actor", "ops@test", *arguments]
    return subprocess.run(command, capture_output=True, text=True, env=environment, timeout=60)


def test_admin_cli_creates_lists_and_revokes_with_one_audit_line_each(
    store: KeyStore, key_prefix: str
) -> None:
    created = run_admin(
        key_prefix, "keys", "create", "--name", "backend", "--tenant", "acme", "--burst", "5"
    )
    assert created.returncode == 0, created.stderr
    lines = dict(line.split(":", 1) for line in created.stdout.splitlines() if ":" in line)
    key, key_id = lines["API key"].strip(), lines["key id"].strip()
    record = store.get(key)
    assert record.tenant == "acme" and record.scopes == {Scope.SUBMIT, Scope.READ}
    assert record.quota.burst == 5 and record.webhook_secret == lines["webhook secret"].strip()
    stored = json.dumps(
        [store.redis.get(k).decode() for k in store.redis.scan_iter(f"{key_prefix}apikey:*")]
    )
    assert key not in stored  # only its SHA-256 is kept

    listed = run_admin(key_prefix, "keys", "list", "--json")
    assert json.loads(listed.stdout)[0]["id"] == key_id and key not in listed.stdout
    assert run_admin(key_prefix, "keys", "revoke", key_id).returncode == 0
    assert store.get(key).revoked
    assert run_admin(key_prefix, "keys", "revoke", "ffffffffffff").returncode == 1

    audit = [json.loads(line) for line in store.audit_lines()]
    assert [entry["action"] for entry in audit] == ["keys.create", "keys.list", "keys.revoke"]
    assert all(entry["actor"] == "ops@test" for entry in audit)
    assert all(key not in json.dumps(entry) for entry in audit)
    assert "dfrec audit" in created.stderr


def production_settings() -> ServiceSettings:
    return ServiceSettings(
        env="production", redis_url="redis://redis:6379/0", triton_http_url="http://t:8000"
    )


def test_production_refuses_to_start_without_a_key_and_never_takes_the_development_key(
    store: KeyStore,
) -> None:
    development_settings = ServiceSettings(env="development", development_api_key="dfk_dev-x")
    development = prepare_keys(development_settings, store)
    assert development.development and store.get("dfk_dev-x").development
    with pytest.raises(RuntimeError, match="at least one active API key"):
        prepare_keys(production_settings(), store)
    key, _ = store.create("backend", "acme", frozenset(Scope), Quota())
    assert prepare_keys(production_settings(), store) is None

    state = SimpleNamespace(
        keys=store, settings=production_settings(), development_key=None, metrics=ApiMetrics()
    )
    with pytest.raises(ApiError) as refused:
        authenticate(state, "dfk_dev-x")
    assert refused.value.status_code == 401 and refused.value.code == "unauthorized"
    assert authenticate(state, key).tenant == "acme"


def test_token_bucket_allows_the_burst_then_refills(redis: Redis, key_prefix: str) -> None:
    store = KeyStore(redis, key_prefix)
    _, record = store.create("k", "t", frozenset(Scope), Quota(120, 3, 0))  # 2 tokens / s
    limiter = SubmitLimiter(redis, key_prefix)
    decisions = [limiter.take(record) for _ in range(4)]
    assert [d.allowed for d in decisions] == [True, True, True, False]
    assert [d.remaining for d in decisions] == [2, 1, 0, 0]
    assert decisions[3].headers()["Retry-After"] == "1"
    time.sleep(0.6)
    assert limiter.take(record).allowed


def test_a_rotated_key_keeps_old_manifests_verifiable(redis: Redis, key_prefix: str) -> None:
    old, new = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
    manifests = [
        sign_ed25519({"job_id": str(i), "artifacts": {}}, k) for i, k in enumerate((old, new))
    ]
    for key in (old, new, old):  # publishing again changes nothing
        publish_public_key(redis, key_prefix, key.public_key())
    keys = public_keys_from_jwks({"keys": published_keys(redis, key_prefix)})
    assert len(keys) == 2
    assert all(verify(manifest, public_keys=keys) == [] for manifest in manifests)


def test_every_error_code_has_one_status_and_meaning_and_api_errors_agree_with_it() -> None:
    from service.errors import ERRORS, ApiError, ErrorCode

    assert set(ERRORS) == set(ErrorCode)
    assert all(400 <= spec.status < 600 and spec.when for spec in ERRORS.values())
    assert ApiError(404, ErrorCode.JOB_NOT_FOUND, "no job").status_code == 404
    with pytest.raises(ValueError, match="job_not_found is answered with 404, not 400"):
        ApiError(400, ErrorCode.JOB_NOT_FOUND, "no job")


def test_every_api_error_raised_in_the_code_uses_its_codes_status() -> None:
    """Each `ApiError(<status>, ErrorCode.<X>, ...)` in service/ agrees with ERRORS (a status that
    disagrees would make ApiError raise, a 500 at run time)."""
    import ast
    from pathlib import Path

    from service.errors import ERRORS, ErrorCode

    calls = 0
    for path in (Path(__file__).resolve().parents[1] / "service").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if not (isinstance(node, ast.Call) and getattr(node.func, "id", "") == "ApiError"):
                continue
            status, code = node.args[0], node.args[1]
            if isinstance(status, ast.Constant) and isinstance(code, ast.Attribute):
                calls += 1
                expected = ERRORS[ErrorCode[code.attr]].status
                assert status.value == expected, f"{path.name}:{node.lineno} {code.attr}"
    assert calls >= 20
