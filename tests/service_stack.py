"""Fixtures for tests against the real stack, registered by conftest.py: the real Redis
(database 15), the bundled Triton on a tiny random-weight model (one per test module, since a
module may stop it on purpose), and API + worker stacks each under their own key prefix,
deleted afterwards. Every stack's API accepts API_KEY (its development key: send AUTH), and its
workers sign evidence with a fresh Ed25519 key (published at /.well-known/dfrec-keys.json)."""

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from redis import Redis

from dfrec_contract.evidence import Ed25519PrivateKey, signing_key_pem
from worker.localrun.model_repository import random_weights_repository
from worker.localrun.processes import free_port
from worker.localrun.stack import ServiceStack, StackSettings

REDIS_URL = "redis://127.0.0.1:6379/15"
EVIDENCE_KEY = "integration-test-evidence-key-0123456789"
API_KEY = "dfk_integration-test-development-key"
"""The development API key every test stack's API accepts (tenant `development`)."""
AUTH = {"Authorization": f"Bearer {API_KEY}"}


@pytest.fixture(scope="module")
def redis() -> Iterator[Redis]:
    client = Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except Exception as error:  # noqa: BLE001
        pytest.skip(f"no Redis at {REDIS_URL}: {error}")
    yield client
    client.close()


@pytest.fixture
def key_prefix(redis: Redis) -> Iterator[str]:
    """A fresh key prefix in the test database; its keys are deleted afterwards."""
    prefix = f"dfrec-test-{uuid.uuid4().hex[:12]}:"
    yield prefix
    keys = list(redis.scan_iter(match=f"{prefix}*"))
    if keys:
        redis.delete(*keys)


@pytest.fixture(scope="module")
def triton(tmp_path_factory: pytest.TempPathFactory) -> Iterator:
    from worker.localrun.triton import LoopbackTritonServer

    repository = random_weights_repository("tiny", tmp_path_factory.getbasetemp() / "dfrec-tiny")
    log_dir = tmp_path_factory.mktemp("triton")
    server = LoopbackTritonServer(
        repository, free_port(), free_port(), free_port(), log_path=log_dir / "triton.log"
    )
    with server:
        server.wait_ready("dfrec", timeout=180)
        yield server


def write_signing_key(path: Path) -> Path:
    """A fresh Ed25519 evidence signing key (PKCS#8 PEM) at path."""
    path.write_bytes(signing_key_pem(Ed25519PrivateKey.generate()))
    return path


@pytest.fixture
def make_stack(triton, redis: Redis, tmp_path: Path) -> Iterator:
    """Starts API + worker stacks on the module's Triton, each under its own key prefix.
    Workers hash the served model repository and sign evidence with a fresh Ed25519 key."""
    stacks: list[ServiceStack] = []
    prefixes: list[str] = []
    signing_key = write_signing_key(tmp_path / "evidence-signing.pem")

    def start(workers: int = 1, **env: str) -> ServiceStack:
        prefix = f"dfrec-test-{uuid.uuid4().hex[:12]}:"
        prefixes.append(prefix)
        settings = StackSettings(
            redis_url=REDIS_URL,
            triton_http_url=f"http://{triton.http_url}",
            triton_grpc_url=triton.grpc_url,
            key_prefix=prefix,
            api_key=API_KEY,
            extra_env={
                "DFREC_ENV": "test",
                "DFREC_MODEL_REPOSITORY": str(triton.model_repository),
                "DFREC_EVIDENCE_KEY": EVIDENCE_KEY,
                "DFREC_EVIDENCE_SIGNING_KEY_FILE": str(signing_key),
                "DFREC_VIDEO_STORAGE_DIR": str(tmp_path / f"videos-{len(stacks)}"),
                **env,
            },
        )
        stack = ServiceStack(settings, tmp_path / f"logs-{len(stacks)}", workers=workers)
        stacks.append(stack)
        return stack.start()

    yield start
    for stack in stacks:
        stack.stop()
    for prefix in prefixes:
        keys = list(redis.scan_iter(match=f"{prefix}*"))
        if keys:
            redis.delete(*keys)
