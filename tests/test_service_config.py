"""Settings of the API and the worker: safe local defaults, refusals in production."""

from pathlib import Path

import pytest
from pydantic import ValidationError

from dfrec_contract.evidence import Ed25519PrivateKey, signing_key_pem
from service.config import ServiceSettings
from worker.config import WorkerSettings

STRONG_KEY = (
    "9f1c2b7e4a0d83f6c5e1b2a7d9043e6f8a1c5b2e7d0f9a3c6b8e1d4f7a2c0b5e"  # openssl rand -hex 32
)


def test_local_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("REDIS_URL", raising=False)
    monkeypatch.delenv("DFREC_REDIS_URL", raising=False)
    settings = ServiceSettings()
    assert settings.redis_url == "redis://localhost:6379/0"
    assert settings.max_upload_bytes == 10 * 1024 * 1024


def test_redis_url_is_read_from_plain_REDIS_URL(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DFREC_REDIS_URL", raising=False)
    monkeypatch.setenv("REDIS_URL", "redis://cache:6379/3")
    assert ServiceSettings().redis_url == "redis://cache:6379/3"
    assert WorkerSettings().redis_url == "redis://cache:6379/3"


def test_production_refuses_implicit_addresses(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DFREC_ENV", "production")
    with pytest.raises(ValidationError, match="DFREC_REDIS_URL must be set explicitly"):
        ServiceSettings()
    with pytest.raises(ValidationError, match="DFREC_TRITON_GRPC_URL must be set explicitly"):
        WorkerSettings(redis_url="redis://redis:6379/0")


def signing_key_file(folder: Path) -> Path:
    path = folder / "evidence-signing.pem"
    path.write_bytes(signing_key_pem(Ed25519PrivateKey.generate()))
    return path


def test_production_accepts_explicit_settings(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("DFREC_ENV", "production")
    monkeypatch.setenv("DFREC_EVIDENCE_SIGNING_KEY_FILE", str(signing_key_file(tmp_path)))
    monkeypatch.setenv("DFREC_REDIS_URL", "redis://redis:6379/0")
    monkeypatch.setenv("DFREC_TRITON_HTTP_URL", "http://triton:8000")
    monkeypatch.setenv("DFREC_TRITON_GRPC_URL", "triton:8001")
    monkeypatch.setenv("DFREC_EVIDENCE_KEY", STRONG_KEY)
    monkeypatch.setenv("DFREC_MODEL_REPOSITORY", "/models")
    assert ServiceSettings().env == "production"
    assert WorkerSettings().triton_grpc_url == "triton:8001"


def test_production_worker_refuses_the_default_evidence_key_and_no_model_hashes() -> None:
    explicit = {"redis_url": "redis://redis:6379/0", "triton_grpc_url": "t:8001"}
    with pytest.raises(ValidationError, match="EVIDENCE_SIGNING_KEY_FILE") as refused:
        WorkerSettings(env="production", **explicit)
    assert "DFREC_MODEL_REPOSITORY" in str(refused.value)
    with pytest.raises(ValidationError, match="EVIDENCE_KEY"):
        WorkerSettings(
            env="production",
            evidence_algorithm="hmac-sha256",
            evidence_key="short",
            model_repository="/m",
            **explicit,
        )


def test_signing_key_file_must_be_an_ed25519_pem(tmp_path: Path) -> None:
    not_a_key = tmp_path / "key.pem"
    not_a_key.write_text("not a key")
    with pytest.raises(ValidationError, match="not a readable Ed25519 PEM key"):
        WorkerSettings(evidence_signing_key_file=not_a_key)
    assert WorkerSettings(evidence_signing_key_file=signing_key_file(tmp_path))


def test_production_api_refuses_a_development_key() -> None:
    with pytest.raises(ValidationError, match="DFREC_DEVELOPMENT_API_KEY is refused"):
        ServiceSettings(
            env="production",
            redis_url="redis://redis:6379/0",
            triton_http_url="http://triton:8000",
            development_api_key="dfk_anything",
        )


@pytest.mark.parametrize(
    "key",
    [
        " " * 32,
        "x" * 64,
        "dfrec-development-evidence-key-not-secret ",
        "DFREC-development-evidence-key-not-secret-but-longer-0123456789",
        "0123456789abcdef" * 4,
        "correct horse battery staple",
    ],
)
def test_production_refuses_guessable_evidence_keys(key: str) -> None:
    explicit = {"redis_url": "redis://redis:6379/0", "triton_grpc_url": "t:8001"}
    with pytest.raises(ValidationError, match="DFREC_EVIDENCE_KEY"):
        WorkerSettings(
            env="production",
            evidence_algorithm="hmac-sha256",
            evidence_key=key,
            model_repository="/m",
            **explicit,
        )


@pytest.mark.parametrize(
    "address",
    [
        "redis://localhost:6379/0",
        "redis://127.0.0.1:6379/0",
        "redis://[::1]:6379",
        "redis://0.0.0.0",
    ],
)
def test_production_refuses_addresses_on_this_machine(address: str) -> None:
    with pytest.raises(ValidationError, match="points at this machine"):
        ServiceSettings(env="production", redis_url=address, triton_http_url="http://triton:8000")
    with pytest.raises(ValidationError, match="points at this machine"):
        WorkerSettings(
            env="production",
            redis_url=address,
            triton_grpc_url="triton:8001",
            evidence_key=STRONG_KEY,
            model_repository="/m",
        )
    with pytest.raises(ValidationError, match="DFREC_TRITON_GRPC_URL points at this machine"):
        WorkerSettings(
            env="production",
            redis_url="redis://redis:6379/0",
            triton_grpc_url="localhost:8001",
            evidence_key=STRONG_KEY,
            model_repository="/m",
        )


def test_production_refuses_huge_limits_and_the_test_hook() -> None:
    explicit = {"redis_url": "redis://redis:6379/0"}
    with pytest.raises(ValidationError, match="MAX_UPLOAD_BYTES"):
        ServiceSettings(
            env="production", triton_http_url="http://t:8000", max_upload_bytes=10**9, **explicit
        )
    with pytest.raises(ValidationError, match="test hook"):
        WorkerSettings(
            env="production", triton_grpc_url="t:8001", test_stage_delay_seconds=1.0, **explicit
        )


def test_worker_refuses_backoff_longer_than_visibility_timeout() -> None:
    with pytest.raises(ValidationError, match="delivered twice"):
        WorkerSettings(visibility_timeout_seconds=30, triton_retry_backoff_max_seconds=60)


def test_retry_delay_doubles_up_to_the_cap() -> None:
    settings = WorkerSettings(triton_retry_backoff_seconds=1, triton_retry_backoff_max_seconds=5)
    assert [settings.retry_delay_seconds(n) for n in range(5)] == [1, 2, 4, 5, 5]
