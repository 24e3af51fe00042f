"""API and worker processes wired to one Redis and one Triton by environment variables."""

import os
import sys
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from dfrec_contract.apikeys import new_key
from worker.localrun.processes import ManagedProcess, free_port, wait_until


@dataclass
class StackSettings:
    """The environment of the API and the workers: where Redis and Triton are, plus any other
    `DFREC_*` values. What is not set here both read alike (dfrec_contract.settings)."""

    redis_url: str
    triton_http_url: str
    triton_grpc_url: str
    key_prefix: str | None = None
    extra_env: dict[str, str] = field(default_factory=dict)
    api_key: str = field(default_factory=new_key)
    """The API's development key (DFREC_DEVELOPMENT_API_KEY): all scopes, no limits."""

    def environment(self) -> dict[str, str]:
        prefix = {"DFREC_REDIS_KEY_PREFIX": self.key_prefix} if self.key_prefix else {}
        return {
            **os.environ,
            "DFREC_REDIS_URL": self.redis_url,
            "DFREC_DEVELOPMENT_API_KEY": self.api_key,
            **prefix,
            "DFREC_TRITON_HTTP_URL": self.triton_http_url,
            "DFREC_TRITON_GRPC_URL": self.triton_grpc_url,
            **self.extra_env,
        }


def api_process(settings: StackSettings, port: int, log_dir: Path) -> ManagedProcess:
    """`python -m service` on 127.0.0.1:port (server limits from the API's settings)."""
    environment = settings.environment() | {"DFREC_HOST": "127.0.0.1", "DFREC_PORT": str(port)}
    argv = [sys.executable, "-m", "service"]
    return ManagedProcess("api", argv, environment, log_dir / "api.log")


def worker_process(
    settings: StackSettings, name: str, metrics_port: int, log_dir: Path, **env: str
) -> ManagedProcess:
    argv = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "worker.app",
        "worker",
        "--loglevel=INFO",
        "--pool=solo",
        "--without-mingle",
        "--without-gossip",
        "-n",
        f"{name}@%h",
    ]
    environment = settings.environment() | {"DFREC_METRICS_PORT": str(metrics_port)} | env
    return ManagedProcess(name, argv, environment, log_dir / f"{name}.log")


API_START_SECONDS = 120
"""Its imports alone took 24-44 s at nice 19 on 2 cores shared with training (load 7-10)."""


class ServiceStack:
    """An API and N workers; Triton and Redis are already running elsewhere."""

    def __init__(
        self, settings: StackSettings, log_dir: Path, workers: int = 1, api_port: int = 0
    ) -> None:
        self.settings = settings
        self.log_dir = log_dir
        self.api_port = api_port or free_port()
        self.api = api_process(settings, self.api_port, log_dir)
        self.workers = [self.new_worker(f"worker{index}") for index in range(workers)]

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.api_port}"

    @property
    def api_key(self) -> str:
        return self.settings.api_key

    @property
    def auth(self) -> dict[str, str]:
        """Headers that authenticate as the development key."""
        return {"Authorization": f"Bearer {self.api_key}"}

    def new_worker(self, name: str, **env: str) -> ManagedProcess:
        return worker_process(self.settings, name, free_port(), self.log_dir, **env)

    def start(self) -> "ServiceStack":
        """Start the workers and the API; when the API does not answer, stop them all (a
        failed `with` start would otherwise leave them running)."""
        try:
            for worker in self.workers:
                worker.start()
            self.api.start()
            wait_until(self._api_alive, API_START_SECONDS, "the API answering /healthz")
        except BaseException:
            self.stop()
            raise
        return self

    def _api_alive(self) -> bool:
        if not self.api.is_running():
            raise RuntimeError(f"the API exited:\n{self.api.log_tail()}")
        try:
            return httpx.get(f"{self.api_url}/healthz", timeout=1).status_code == 200
        except httpx.HTTPError:
            return False

    def stop(self) -> None:
        self.api.stop()
        for worker in self.workers:
            worker.stop()

    def __enter__(self) -> "ServiceStack":
        return self.start()

    def __exit__(self, *_) -> None:
        self.stop()
