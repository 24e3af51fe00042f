"""Start the `tritonserver` binary shipped in the nvidia-pytriton wheel, without Docker.

The wheel carries the server, the python backend and one backend stub per Python version; the
server wants them arranged as `<backends>/python/{libtriton_python.so,
triton_python_backend_utils.py, triton_python_backend_stub}`, which `prepare_backends` builds.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from types import TracebackType

import tritonclient.http as triton_http

from dfrec_contract.hashing import file_sha256

DEFAULT_CACHE = Path(os.environ.get("DFREC_CACHE", Path.home() / ".cache" / "dfrec"))


class TritonError(RuntimeError):
    """The bundled Triton could not be found, started or made ready."""


def pytriton_root() -> Path:
    """`site-packages/pytriton/tritonserver` of the installed nvidia-pytriton wheel."""
    spec = importlib.util.find_spec("pytriton")
    if spec is None or not spec.submodule_search_locations:
        raise TritonError("nvidia-pytriton is not installed: pip install nvidia-pytriton==0.7.0")
    return Path(next(iter(spec.submodule_search_locations))) / "tritonserver"


def prepare_backends(cache_dir: Path = DEFAULT_CACHE) -> Path:
    """Backend folder for this Python version; returns the folder holding `python/`."""
    root = pytriton_root()
    version = f"{sys.version_info.major}.{sys.version_info.minor}"
    stub = root / "python_backend_stubs" / version / "triton_python_backend_stub"
    if not stub.is_file():
        raise TritonError(f"nvidia-pytriton has no python backend stub for Python {version}")
    backends = cache_dir / f"triton-backends-py{version}"
    python_backend = backends / "python"
    python_backend.mkdir(parents=True, exist_ok=True)
    for source in (
        root / "backends" / "python" / "libtriton_python.so",
        root / "backends" / "python" / "triton_python_backend_utils.py",
        stub,
    ):
        _copy_if_changed(source, python_backend / source.name)
    return backends


def _copy_if_changed(source: Path, target: Path) -> None:
    """Copy unless an identical copy is there: a running server's stub cannot be overwritten
    ("text file busy"), and another test session may be running one."""
    same_size = target.is_file() and target.stat().st_size == source.stat().st_size
    if same_size and file_sha256(target) == file_sha256(source):  # not mtime: installs differ
        return
    shutil.copy2(source, target)


def free_ports(count: int) -> list[int]:
    """Ports the kernel hands out for port 0, all held open until every one is picked."""
    sockets = [socket.socket() for _ in range(count)]
    for sock in sockets:
        sock.bind(("127.0.0.1", 0))
    ports = [sock.getsockname()[1] for sock in sockets]
    for sock in sockets:
        sock.close()
    return ports


def server_environment() -> dict[str, str]:
    """LD_LIBRARY_PATH for the wheel's bundled libraries, and this interpreter's folder first on
    PATH: the backend stub's embedded Python ignores PYTHONPATH and finds its prefix (and so this
    virtual environment's site-packages, with torch and numpy) from the `python3` on PATH.

    OpenMP threads wait passively (unless OMP_WAIT_POLICY is set): the ensemble runs the `lre`
    stub beside the ism -> sirm -> tirm chain, and two torch processes whose idle threads spin
    on the same 2 cores took 1.7 s per ensemble call instead of 0.09 s (`bench/load.py`)."""
    environment = dict(os.environ)
    environment.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    libraries = pytriton_root().parent.parent / "nvidia_pytriton.libs"
    environment["LD_LIBRARY_PATH"] = os.pathsep.join(
        filter(None, [str(libraries), environment.get("LD_LIBRARY_PATH")])
    )
    environment["PATH"] = os.pathsep.join(
        filter(None, [str(Path(sys.executable).parent), environment.get("PATH")])
    )
    return environment


class TritonServer:
    """One bundled Triton process on a model repository. Use as a context manager."""

    def __init__(
        self,
        model_repository: Path,
        http_port: int = 8000,
        grpc_port: int = 8001,
        metrics_port: int = 8002,
        log_path: Path | None = None,
    ) -> None:
        self.model_repository = Path(model_repository).resolve()
        self.http_port, self.grpc_port, self.metrics_port = http_port, grpc_port, metrics_port
        self.log_path = log_path
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def http_url(self) -> str:
        return f"127.0.0.1:{self.http_port}"

    @property
    def grpc_url(self) -> str:
        return f"127.0.0.1:{self.grpc_port}"

    def command(self, backends: Path) -> list[str]:
        return [
            str(pytriton_root() / "bin" / "tritonserver"),
            f"--model-repository={self.model_repository}",
            f"--backend-directory={backends}",
            f"--http-port={self.http_port}",
            f"--grpc-port={self.grpc_port}",
            f"--metrics-port={self.metrics_port}",
            "--allow-metrics=true",
            "--model-control-mode=none",
            "--strict-readiness=true",
            "--exit-on-error=true",
            "--exit-timeout-secs=5",
        ]

    def start(self) -> TritonServer:
        if not (self.model_repository / "dfrec" / "config.pbtxt").is_file():
            raise TritonError(
                f"{self.model_repository} holds no dfrec ensemble: run `dfrec export` first"
            )
        log = self.log_path.open("ab") if self.log_path else subprocess.DEVNULL
        self.process = subprocess.Popen(
            self.command(prepare_backends()),
            env=server_environment(),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: stop() also ends the stubs
        )
        return self

    def wait_ready(self, model: str = "dfrec", timeout: float = 180.0) -> None:
        """Block until `model` is ready; raise with the log's tail if the server dies or hangs."""
        client = triton_http.InferenceServerClient(self.http_url, connection_timeout=2.0)
        deadline = time.monotonic() + timeout
        try:
            while time.monotonic() < deadline:
                if self.process is None or self.process.poll() is not None:
                    raise TritonError(
                        f"tritonserver exited before {model} was ready{self.log_tail()}"
                    )
                with contextlib.suppress(Exception):  # connection refused while it starts
                    if client.is_server_ready() and client.is_model_ready(model):
                        return
                time.sleep(0.5)
        finally:
            client.close()  # an open connection would hold Triton's shutdown for its timeout
        raise TritonError(f"{model} not ready after {timeout:.0f} s{self.log_tail()}")

    def log_tail(self, lines: int = 30) -> str:
        if not self.log_path or not self.log_path.is_file():
            return ""
        tail = self.log_path.read_text(errors="replace").splitlines()[-lines:]
        return "; log tail:\n" + "\n".join(tail)

    def stop(self, timeout: float = 30.0) -> None:
        """SIGTERM the process group, SIGKILL it if it has not exited after `timeout`."""
        if self.process is None or self.process.poll() is not None:
            return
        group = os.getpgid(self.process.pid)
        os.killpg(group, signal.SIGTERM)
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(group, signal.SIGKILL)
            self.process.wait()

    def __enter__(self) -> TritonServer:
        return self.start()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.stop()


def serve_forever(
    model_repository: Path, http_port: int, grpc_port: int, metrics_port: int
) -> None:
    """`dfrec triton serve`: start, wait for the ensemble, block until Ctrl-C or SIGTERM."""
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    server = TritonServer(model_repository, http_port, grpc_port, metrics_port)
    with server:
        server.wait_ready()
        print(
            f"Triton ready: http {server.http_url}, grpc {server.grpc_url}, "
            f"metrics http://127.0.0.1:{metrics_port}/metrics (Ctrl-C stops)",
            flush=True,
        )
        with contextlib.suppress(KeyboardInterrupt):
            server.process.wait()  # type: ignore[union-attr]
