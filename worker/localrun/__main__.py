"""`python -m worker.localrun` (or `scripts/run_local.py`): Triton + worker(s) + API, Ctrl-C stops.

Everything listens on 127.0.0.1 only. A process that exits (a crashed worker, Triton, the API)
is restarted within a second or two; the rest keep running.

Examples:
    python scripts/run_local.py                       # shipped weights/dfrec-small.pt, port 8080
    python scripts/run_local.py --checkpoint ckpt.pt  # export it, then serve it
    python scripts/run_local.py --model-repository models/ --workers 2
"""

import argparse
import signal
import sys
from pathlib import Path

import httpx
from redis import Redis, RedisError

from dfrec_contract.settings import SharedSettings
from gallery.migrate import upgrade
from worker.localrun.model_repository import (
    DEFAULT_CACHE,
    build_repository,
    random_weights_repository,
)
from worker.localrun.processes import wait_until
from worker.localrun.stack import ServiceStack, StackSettings
from worker.localrun.supervisor import supervise
from worker.localrun.triton import LoopbackTritonServer

SHIPPED_WEIGHTS = Path(__file__).resolve().parents[2] / "weights" / "dfrec-small.pt"
SHIPPED_LRE = SHIPPED_WEIGHTS.with_name("lre-small.pt")  # the second detector, served beside


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="run_local", description=__doc__.splitlines()[0])
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--model-repository", type=Path, help="an exported Triton repository")
    source.add_argument("--checkpoint", type=Path, help="export this checkpoint first (cpu)")
    source.add_argument("--variant", help="serve random weights of this variant instead")
    parser.add_argument("--redis-url", help="default: DFREC_REDIS_URL, REDIS_URL or localhost")
    parser.add_argument("--key-prefix", help="default: DFREC_REDIS_KEY_PREFIX or dfrec:")
    parser.add_argument("--port", type=int, default=8080, help="API port")
    parser.add_argument(
        "--triton-ports",
        type=int,
        nargs=3,
        default=[8000, 8001, 8002],
        metavar=("HTTP", "GRPC", "METRICS"),
    )
    parser.add_argument("--workers", type=int, default=1, help="worker processes (solo pool)")
    parser.add_argument("--log-dir", type=Path, default=DEFAULT_CACHE / "logs")
    return parser.parse_args(argv)


def model_repository(args: argparse.Namespace) -> Path:
    if args.model_repository:
        return args.model_repository
    checkpoint = args.checkpoint
    if checkpoint is None and args.variant is None and SHIPPED_WEIGHTS.is_file():
        checkpoint = SHIPPED_WEIGHTS
    if checkpoint:
        shipped_lre = checkpoint == SHIPPED_WEIGHTS and SHIPPED_LRE.is_file()
        lre = SHIPPED_LRE if shipped_lre else None
        return build_repository(checkpoint, args.log_dir / "model-repository", lre)
    variant = args.variant or "tiny"
    print(f"serving RANDOM weights of the {variant!r} variant")
    return random_weights_repository(variant)


def check_redis(url: str) -> None:
    try:
        Redis.from_url(url, socket_connect_timeout=2).ping()
    except RedisError as error:
        sys.exit(f"Redis at {url} is not reachable ({error}); start it or pass --redis-url")


def _raise_keyboard_interrupt(*_) -> None:
    raise KeyboardInterrupt


def banner(stack: ServiceStack, triton_metrics: str) -> str:
    url = stack.api_url
    worker_ports = ", ".join(worker.env["DFREC_METRICS_PORT"] for worker in stack.workers)
    return "\n".join(
        [
            f"dfrec is ready: {url}",
            f"  API key: {stack.api_key}  (development key; the page asks for it)",
            f'  submit : curl -H "Authorization: Bearer $KEY" -F image=@face.jpg {url}/recover',
            f'  poll   : curl -H "Authorization: Bearer $KEY" {url}/jobs/<id>',
            f"  docs   : {url}/docs      metrics: {url}/metrics",
            f"  workers: metrics on ports {worker_ports}",
            f"  triton : {triton_metrics}/metrics",
            f"  logs   : {stack.log_dir.resolve()}",
            "Ctrl-C stops everything.",
        ]
    )


def _report(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    redis_url = args.redis_url or SharedSettings().redis_url
    check_redis(redis_url)
    upgrade(SharedSettings())  # the gallery tables (DFREC_DATABASE_URL, local PostgreSQL)
    repository = model_repository(args)
    http_port, grpc_port, metrics_port = args.triton_ports
    args.log_dir.mkdir(parents=True, exist_ok=True)
    triton = LoopbackTritonServer(
        repository, http_port, grpc_port, metrics_port, log_path=args.log_dir / "triton.log"
    )
    settings = StackSettings(
        redis_url=redis_url,
        triton_http_url=f"http://127.0.0.1:{http_port}",
        triton_grpc_url=f"127.0.0.1:{grpc_port}",
        key_prefix=args.key_prefix,
        extra_env={"DFREC_MODEL_REPOSITORY": str(repository.resolve())},
    )
    stack = ServiceStack(settings, args.log_dir, workers=args.workers, api_port=args.port)
    for stop_signal in (signal.SIGINT, signal.SIGTERM):  # SIGINT may arrive ignored (nohup, &)
        signal.signal(stop_signal, _raise_keyboard_interrupt)
    try:
        with triton:
            print(f"starting Triton on {repository} ...", flush=True)
            triton.wait_ready("dfrec")
            with stack:
                wait_until(
                    lambda: httpx.get(f"{stack.api_url}/readyz", timeout=2).status_code == 200,
                    timeout=60,
                    what="/readyz answering 200",
                )
                print(banner(stack, f"http://127.0.0.1:{metrics_port}"), flush=True)
                supervise(triton, [stack.api, *stack.workers], _report)
    except KeyboardInterrupt:
        print("\nstopping ...", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
