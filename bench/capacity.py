#!/usr/bin/env python
"""Capacity inputs (not a test): CPU seconds per photo job of the worker, of Triton's CPU
ensemble and of the API, and the jobs/s of one worker pinned to one core.

Starts the local stack (worker.localrun: the bundled Triton on the shipped weights, one Celery
worker, the API) with the worker pinned to core 0 and Triton and the API to the other cores,
submits --jobs copies of one photo at once (the queue stays full), waits for all of them, and
reads each process tree's CPU time from /proc. docs/capacity.md turns the numbers into a
deployment's size.

    .venv/bin/python bench/capacity.py --jobs 40 [--size 320|12mp] [--redis-url URL]
"""

import argparse
import io
import os
import sys
import time
import uuid
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[0] = str(ROOT)  # run as a script: the repository, not bench/, first on the path

import httpx  # noqa: E402
from PIL import Image  # noqa: E402

from dfrec_contract.settings import SharedSettings  # noqa: E402
from worker.localrun.__main__ import SHIPPED_LRE, SHIPPED_WEIGHTS  # noqa: E402
from worker.localrun.model_repository import DEFAULT_CACHE, build_repository  # noqa: E402
from worker.localrun.processes import ManagedProcess, free_port, wait_until  # noqa: E402
from worker.localrun.stack import StackSettings, api_process, worker_process  # noqa: E402
from worker.localrun.triton import LoopbackTritonServer  # noqa: E402

PORTRAIT = ROOT.parent / "shared" / "data" / "celeba-id" / "7201" / "001085.jpg"
TICKS = os.sysconf("SC_CLK_TCK")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=40)
    parser.add_argument("--size", choices=["320", "12mp"], default="320")
    parser.add_argument("--redis-url", default=SharedSettings().redis_url)
    parser.add_argument("--log-dir", type=Path, default=DEFAULT_CACHE / "capacity")
    return parser.parse_args()


def photo(size: str) -> bytes:
    """The 320 px portrait as it is, or scaled 3x onto a 4000 x 3000 gray canvas (12 MP JPEG,
    one face of ~960 px, like the worker-stage benchmark's 12 MP photos)."""
    if size == "320":
        return PORTRAIT.read_bytes()
    canvas = Image.new("RGB", (4000, 3000), (128, 128, 128))
    with Image.open(PORTRAIT) as picture:
        face = picture.convert("RGB").resize((960, 960), Image.Resampling.LANCZOS)
    canvas.paste(face, (1500, 1000))
    buffer = io.BytesIO()
    canvas.save(buffer, "JPEG", quality=90)
    return buffer.getvalue()


def session_cpu_seconds(session: int) -> float:
    """User + system CPU time of every live process of the session (a process and its children
    started in its own session, as ManagedProcess and TritonServer start them)."""
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:  # exited meanwhile
            continue
        if int(fields[3]) == session:
            total += int(fields[11]) + int(fields[12])
    return total / TICKS


def pinned(process: ManagedProcess, cores: str) -> ManagedProcess:
    argv = ["taskset", "-c", cores, *process.argv]
    return ManagedProcess(process.name, argv, process.env, process.log_path)


class PinnedTriton(LoopbackTritonServer):
    cores = "1-"

    def command(self, backends: Path) -> list[str]:
        return ["taskset", "-c", self.cores, *super().command(backends)]


def repository(log_dir: Path) -> Path:
    out = log_dir / "model-repository"
    if (out / "export.json").is_file():
        return out
    return build_repository(SHIPPED_WEIGHTS, out, SHIPPED_LRE)


def seconds(stamp: str) -> float:
    return datetime.fromisoformat(stamp).timestamp()


def main() -> int:
    args = parse_args()
    cores = os.cpu_count() or 1
    others = f"1-{cores - 1}" if cores > 1 else "0"
    args.log_dir.mkdir(parents=True, exist_ok=True)
    ports = [free_port() for _ in range(3)]
    triton = PinnedTriton(repository(args.log_dir), *ports, log_path=args.log_dir / "triton.log")
    triton.cores = others
    settings = StackSettings(
        redis_url=args.redis_url,
        triton_http_url=f"http://{triton.http_url}",
        triton_grpc_url=triton.grpc_url,
        key_prefix=f"dfrec-capacity-{uuid.uuid4().hex[:8]}:",
        extra_env={"DFREC_MAX_QUEUED_JOBS": str(max(100, args.jobs))},
    )
    api_port = free_port()
    api = pinned(api_process(settings, api_port, args.log_dir), others)
    worker = pinned(worker_process(settings, "worker", free_port(), args.log_dir), "0")
    url = f"http://127.0.0.1:{api_port}"
    auth = {"Authorization": f"Bearer {settings.api_key}"}
    data = photo(args.size)
    with triton:
        triton.wait_ready("dfrec", timeout=300)
        try:
            api.start()
            worker.start()
            wait_until(lambda: ready(url), 180, "the API ready")
            wait_until(lambda: "ready." in worker.log_tail(), 120, "the worker ready")
            run(args, url, auth, data, {"worker": worker.pid, "api": api.pid}, triton)
        finally:
            api.stop()
            worker.stop()
    return 0


def ready(url: str) -> bool:
    try:
        return httpx.get(f"{url}/readyz", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def run(args, url: str, auth: dict, data: bytes, sessions: dict, triton) -> None:
    sessions = sessions | {"triton": triton.process.pid}
    before = {name: session_cpu_seconds(sid) for name, sid in sessions.items()}
    files = {"image": ("photo.jpg", data, "image/jpeg")}
    started = time.monotonic()
    ids = []
    for _ in range(args.jobs):
        response = httpx.post(f"{url}/recover", files=files, headers=auth, timeout=30)
        response.raise_for_status()
        ids.append(response.json()["id"])

    def jobs() -> list[dict]:
        return [httpx.get(f"{url}/jobs/{i}", headers=auth, timeout=10).json() for i in ids]

    wait_until(lambda: all(j["finished_at"] for j in jobs()), 600, "every job finished", 1.0)
    wall = time.monotonic() - started
    after = {name: session_cpu_seconds(sid) for name, sid in sessions.items()}
    finished = jobs()
    statuses = {job["status"] for job in finished}
    span = max(seconds(j["finished_at"]) for j in finished) - min(
        seconds(j["started_at"]) for j in finished
    )
    print(f"{args.jobs} jobs of a {args.size} photo ({len(data) // 1024} KiB), statuses {statuses}")
    print(f"cores {os.cpu_count()}, load average at the end {os.getloadavg()[0]:.2f} (1 min)")
    print(f"wall {wall:.1f} s; worker busy span {span:.1f} s: {args.jobs / span:.2f} jobs/s")
    for name in sessions:
        used = after[name] - before[name]
        print(f"{name:7s} CPU {used:7.2f} s  = {1000 * used / args.jobs:7.1f} ms per job")
    stages = ["preprocess", "infer", "postprocess", "store"]
    medians = {
        stage: sorted(j["result"]["timings_ms"][stage] for j in finished)[len(finished) // 2]
        for stage in stages
    }
    print(
        "worker stage medians (wall ms): " + ", ".join(f"{s} {v:.1f}" for s, v in medians.items())
    )
    print(
        f"stored per job in Redis until the TTL: {stored_bytes(url, auth, finished[0]) // 1024} KiB"
    )


def stored_bytes(url: str, auth: dict, job: dict) -> int:
    """Bytes of the artifacts and evidence one finished job keeps in Redis."""
    paths = [facts["url"] for facts in job["result"]["artifacts"].values()]
    paths.append(f"/jobs/{job['id']}/evidence")
    return sum(len(httpx.get(f"{url}{path}", headers=auth, timeout=10).content) for path in paths)


if __name__ == "__main__":
    raise SystemExit(main())
