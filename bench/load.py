#!/usr/bin/env python
"""Load benchmark (not a test): N concurrent clients for a bounded time against a running stack.

Each client submits an image, polls its job every --poll-interval seconds (faster than the
Retry-After hint, to measure latency rather than politeness) until it ends, and repeats.
Afterwards the Triton ensemble alone is timed with direct gRPC calls on the same input, and
the ratio of end-to-end to ensemble latency is printed.

    python scripts/run_local.py &                        # the stack
    python bench/load.py --clients 4 --duration 30 --api-key <the key run_local.py printed>
"""

import argparse
import asyncio
import io
import os
import statistics
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[0] = str(ROOT)  # run as a script, bench/worker_stages.py would shadow the worker package

import httpx  # noqa: E402
import numpy as np  # noqa: E402
from PIL import Image  # noqa: E402

from dfrec.data.align import crop_landmarks_68  # noqa: E402
from dfrec.noise import batch_masking_noise  # noqa: E402
from worker.ensemble import EnsembleClient  # noqa: E402


@dataclass
class Tally:
    submitted: int = 0
    succeeded: int = 0
    failed: int = 0
    not_applicable: int = 0  # no face found: pass --image with a face photo
    rejected: int = 0  # 429 queue_full
    end_to_end: list[float] = field(default_factory=list)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--api", default="http://127.0.0.1:8080")
    parser.add_argument(
        "--api-key",
        default=os.environ.get("DFREC_API_KEY"),
        help="an API key without limits, e.g. the development key run_local.py prints",
    )
    parser.add_argument("--triton-grpc", default="127.0.0.1:8001")
    parser.add_argument("--model", default="dfrec")
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--duration", type=float, default=30.0, help="seconds of submitting")
    parser.add_argument(
        "--image", type=Path, help="a face photo (default: a synthetic 256 x 256 picture)"
    )
    parser.add_argument("--poll-interval", type=float, default=0.05)
    parser.add_argument("--triton-calls", type=int, default=30)
    return parser.parse_args()


def synthetic_image() -> bytes:
    pixels = np.random.default_rng(0).integers(0, 256, (256, 256, 3), dtype=np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="PNG")
    return buffer.getvalue()


async def one_job(client: httpx.AsyncClient, image: bytes, args, tally: Tally) -> None:
    started = time.perf_counter()
    response = await client.post("/recover", files={"image": ("bench.png", image, "image/png")})
    if response.status_code == 429:
        tally.rejected += 1
        await asyncio.sleep(float(response.headers.get("retry-after", 1)))
        return
    response.raise_for_status()
    tally.submitted += 1
    location = response.headers["location"]
    while True:
        await asyncio.sleep(args.poll_interval)
        job = (await client.get(location)).json()
        if job["status"] in ("succeeded", "failed", "not_applicable"):
            break
    if job["status"] == "succeeded":
        tally.succeeded += 1
        tally.end_to_end.append(time.perf_counter() - started)
    elif job["status"] == "not_applicable":
        tally.not_applicable += 1
    else:
        tally.failed += 1


async def client_loop(image: bytes, args, tally: Tally, stop_at: float) -> None:
    headers = {"Authorization": f"Bearer {args.api_key}"} if args.api_key else {}
    async with httpx.AsyncClient(base_url=args.api, timeout=60, headers=headers) as client:
        while time.perf_counter() < stop_at:
            await one_job(client, image, args, tally)


async def run_load(image: bytes, args) -> tuple[Tally, float]:
    tally = Tally()
    started = time.perf_counter()
    stop_at = started + args.duration
    await asyncio.gather(*(client_loop(image, args, tally, stop_at) for _ in range(args.clients)))
    return tally, time.perf_counter() - started


def ensemble_latencies(args) -> list[float]:
    """Timed direct calls to the ensemble with one face-sized input (batch 1), as a job makes."""
    ensemble = EnsembleClient(args.triton_grpc, args.model, timeout_seconds=60)
    info = ensemble.info()
    shape = (1, 3, info.image_size, info.image_size)
    images = np.random.default_rng(0).random(shape, dtype=np.float32)
    noise = batch_masking_noise(images, info.num_patches)
    landmarks = crop_landmarks_68(images) if info.takes_landmarks else None
    ensemble.infer(images, noise, landmarks)  # warm the channel
    latencies = []
    for _ in range(args.triton_calls):
        started = time.perf_counter()
        ensemble.infer(images, noise, landmarks)
        latencies.append(time.perf_counter() - started)
    ensemble.close()
    return latencies


def percentiles(values: list[float]) -> dict[str, float]:
    if len(values) < 2:
        return {name: float("nan") for name in ("p50", "p95", "p99")}
    cuts = statistics.quantiles(values, n=100, method="inclusive")
    return {"p50": cuts[49], "p95": cuts[94], "p99": cuts[98]}


def row(label: str, values: list[float]) -> str:
    cuts = percentiles(values)
    return f"{label:<22}" + "  ".join(f"{k} {v * 1000:8.1f} ms" for k, v in cuts.items())


def main() -> int:
    args = parse_args()
    image = args.image.read_bytes() if args.image else synthetic_image()
    tally, elapsed = asyncio.run(run_load(image, args))
    triton = ensemble_latencies(args)
    e2e, alone = percentiles(tally.end_to_end), percentiles(triton)
    print(f"clients {args.clients}, {elapsed:.1f} s, api {args.api}, triton {args.triton_grpc}")
    print(
        f"submitted {tally.submitted}  succeeded {tally.succeeded}  failed {tally.failed}  "
        f"not_applicable {tally.not_applicable}  rejected(429) {tally.rejected}  "
        f"throughput {tally.succeeded / elapsed:.2f} jobs/s"
    )
    print(row("end-to-end", tally.end_to_end))
    print(row("triton ensemble alone", triton))
    print(
        "ratio end-to-end / ensemble: "
        + "  ".join(f"{k} {e2e[k] / alone[k]:.2f}" for k in ("p50", "p95", "p99"))
    )
    return 0 if tally.failed == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
