#!/usr/bin/env python
"""Hostile-input benchmark (not a test): API peak RSS and worker time per job on the worst
uploads of the hostile corpus (tests/hostile_files.py), against a stack it starts itself
(bundled Triton on 127.0.0.1, one Celery worker, the API under `python -m service`, Redis).

    python bench/hostile.py                         # shipped weights, default API settings
    python bench/hostile.py --model-repository DIR  # an exported repository instead

Prints, for the API process: RSS at rest, the peak while each worst file is submitted alone,
and the peak while 16 are submitted at once; then, for the worker, the time each accepted
worst file cost it (preprocess + infer + postprocess + store, from the job's timings).
"""

import argparse
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
from PIL import Image
from redis import Redis

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from hostile_files import (  # noqa: E402  (the corpus generator lives with the tests)
    declared_size_jpeg,
    encode,
    multipart,
    palette_bomb,
    picture,
)

from worker.localrun.model_repository import DEFAULT_CACHE, build_repository  # noqa: E402
from worker.localrun.processes import free_port  # noqa: E402
from worker.localrun.stack import ServiceStack, StackSettings  # noqa: E402
from worker.localrun.triton import LoopbackTritonServer  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SHIPPED_WEIGHTS = ROOT / "weights" / "dfrec-small.pt"
PORTRAIT = ROOT.parent / "shared" / "data" / "celeba-id" / "7201"
WORKER_STAGES = ("preprocess", "infer", "postprocess", "store")
CONCURRENT = 16


def worst_files() -> dict[str, bytes]:
    """The uploads that cost the API the most memory (each within the default limits)."""
    gradient = picture("RGBA", (5600, 5600))
    files = {
        "palette bomb 6324x6324 1-bit+tRNS PNG": palette_bomb(),
        "flat JPEG 6000x6000": declared_size_jpeg(),
        "RGBA PNG 5600x5600": encode(gradient, "PNG", compress_level=9),
        "16-bit gray PNG 6324x6324": encode(
            picture("L", (6324, 6324)).convert("I;16"), "PNG", compress_level=9
        ),
        "RGBA WebP 2800x2800": encode(gradient.resize((2800, 2800)), "WEBP", quality=10),
    }
    portraits = sorted(PORTRAIT.glob("*.jpg"))
    if portraits:  # a face the worker must find and process, in a 6000 x 4500 photo
        face = Image.open(portraits[0]).convert("RGB")
        canvas = Image.new("RGB", (6000, 4500), (90, 110, 130))
        canvas.paste(face.resize((face.width * 8, face.height * 8)), (1500, 300))
        files["face in a 6000x4500 JPEG"] = encode(canvas, "JPEG", quality=85)
    return files


class RssSampler:
    """Peak resident memory of one process, sampled from /proc every few milliseconds."""

    def __init__(self, pid: int, interval: float = 0.003) -> None:
        self.status = Path(f"/proc/{pid}/status")
        self.interval = interval
        self.peak_kb = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def rss_kb(self) -> int:
        for line in self.status.read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
        return 0

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak_kb = max(self.peak_kb, self.rss_kb())
            time.sleep(self.interval)

    def __enter__(self) -> "RssSampler":
        self._thread.start()
        return self

    def __exit__(self, *_) -> None:
        self._stop.set()
        self._thread.join()


def post(stack: ServiceStack, data: bytes) -> httpx.Response:
    body = multipart(data)
    headers = {"content-type": "multipart/form-data; boundary=hostileboundary7MA4YWxk"}
    headers |= stack.auth
    return httpx.post(f"{stack.api_url}/recover", content=body, headers=headers, timeout=120)


def mib(kb: int) -> str:
    return f"{kb / 1024:7.1f} MiB"


def measure_api(stack: ServiceStack, files: dict[str, bytes]) -> list[str]:
    pid = stack.api.pid
    lines = [f"API at rest                       RSS {mib(RssSampler(pid).rss_kb())}"]
    for name, data in files.items():
        with RssSampler(pid) as sampler:
            response = post(stack, data)
        lines.append(
            f"one at a time: {name:36s} {response.status_code}  peak {mib(sampler.peak_kb)}"
        )
    for label, batch in (
        ("16 palette bombs", [files["palette bomb 6324x6324 1-bit+tRNS PNG"]] * CONCURRENT),
        (
            "16 of the worst files, mixed",
            [list(files.values())[i % len(files)] for i in range(CONCURRENT)],
        ),
    ):
        with RssSampler(pid) as sampler, ThreadPoolExecutor(CONCURRENT) as pool:
            statuses = sorted(
                response.status_code for response in pool.map(lambda d: post(stack, d), batch)
            )
        counts = {status: statuses.count(status) for status in sorted(set(statuses))}
        lines.append(f"{CONCURRENT} at once: {label:33s} {counts}  peak {mib(sampler.peak_kb)}")
    lines.append(f"API after                         RSS {mib(RssSampler(pid).rss_kb())}")
    return lines


def wait_job(stack: ServiceStack, job_id: str, timeout: float = 300) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = httpx.get(f"{stack.api_url}/jobs/{job_id}", headers=stack.auth).json()
        if job["status"] in ("succeeded", "failed", "not_applicable"):
            return job
        time.sleep(0.1)
    raise TimeoutError(job_id)


def measure_worker(stack: ServiceStack, files: dict[str, bytes]) -> list[str]:
    """Each file once, after one warm-up job (Triton's first request is slower)."""
    warm_up = post(stack, encode(picture(size=(256, 256)), "PNG"))
    wait_job(stack, warm_up.json()["id"])
    lines = []
    for name, data in files.items():
        response = post(stack, data)
        if response.status_code != 202:
            lines.append(f"worker: {name:36s} not accepted ({response.status_code})")
            continue
        job = wait_job(stack, response.json()["id"])
        timings = (job.get("result") or {}).get("timings_ms", {})
        worked = sum(timings.get(stage, 0.0) for stage in WORKER_STAGES)
        stages = ", ".join(f"{stage} {timings.get(stage, 0):.0f}" for stage in WORKER_STAGES)
        lines.append(
            f"worker: {name:36s} {job['status']:14s} {worked / 1000:5.2f} s  ({stages} ms)"
        )
    return lines


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model-repository", type=Path)
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/15")
    return parser.parse_args()


def main() -> int:
    args = parse_args()
    repository = args.model_repository or build_repository(
        SHIPPED_WEIGHTS, DEFAULT_CACHE / "bench-repository"
    )
    files = worst_files()
    print(
        "files: " + ", ".join(f"{name} ({len(data) // 1024} KiB)" for name, data in files.items())
    )
    log_dir = Path(tempfile.mkdtemp(prefix="dfrec-bench-"))
    triton = LoopbackTritonServer(
        repository, free_port(), free_port(), free_port(), log_path=log_dir / "triton.log"
    )
    settings = StackSettings(
        redis_url=args.redis_url,
        triton_http_url=f"http://{triton.http_url}",
        triton_grpc_url=triton.grpc_url,
        key_prefix=f"dfrec-bench-{uuid.uuid4().hex[:8]}:",
        extra_env={"DFREC_MAX_QUEUED_JOBS": "1000"},
    )
    with triton:
        triton.wait_ready()
        with ServiceStack(settings, log_dir, workers=1) as stack:
            print("\n".join(measure_api(stack, files)), flush=True)
            print("\n".join(measure_worker(stack, files)), flush=True)
    redis = Redis.from_url(args.redis_url)
    keys = list(redis.scan_iter(match=f"{settings.key_prefix}*"))
    if keys:
        redis.delete(*keys)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
