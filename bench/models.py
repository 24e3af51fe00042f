"""Latency of the `small` variant: in-process at batch 1 and 8, the Triton ensemble at batch 1;
when the ISM averages over the mirror image, also in-process batch 1 with one ISM pass.

    python bench/models.py [--checkpoint weights/dfrec-small.pt] [--runs 30] [--warmup 5]

Without a checkpoint file a random-weight one is written to a temp dir (latency does not depend
on the weights). Triton is the bundled server on free ports, on a repository exported to the
temp dir. Every number below comes from one run of this script.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import resource
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch
import tritonclient.http as triton_http

from dfrec.checkpoint import init_checkpoint, load_checkpoint
from dfrec.data.align import crop_landmarks_68
from dfrec.export.repository import export_repository
from dfrec.models.dfrec import DFREC
from dfrec.noise import batch_masking_noise
from dfrec.pipeline import Recoverer, recover
from dfrec.triton.launcher import TritonServer, free_ports

DEFAULT_CHECKPOINT = Path(__file__).resolve().parents[1] / "weights" / "dfrec-small.pt"


def median_seconds(call: Callable[[], object], runs: int, warmup: int) -> float:
    for _ in range(warmup):
        call()
    timings = []
    for _ in range(runs):
        start = time.perf_counter()
        call()
        timings.append(time.perf_counter() - start)
    return statistics.median(timings)


def one_ism_pass(model: DFREC) -> DFREC:
    """The same weights with the ISM's mirror average off."""
    ism = dataclasses.replace(model.config.ism, mirror_average=False)
    single = DFREC(dataclasses.replace(model.config, ism=ism)).eval()
    single.load_state_dict(model.state_dict())
    return single


def triton_request(
    client: triton_http.InferenceServerClient,
    images: np.ndarray,
    num_patches: int,
    takes_landmarks: bool,
) -> None:
    """One ensemble request, the mask noise (and landmarks, for a TIRM that takes them)
    computed client-side as the worker does."""
    arrays = [("image", images), ("mask_noise", batch_masking_noise(images, num_patches))]
    if takes_landmarks:
        arrays.append(("landmarks", crop_landmarks_68(images)))
    inputs = []
    for name, array in arrays:
        tensor = triton_http.InferInput(name, list(array.shape), "FP32")
        tensor.set_data_from_numpy(array)
        inputs.append(tensor)
    client.infer("dfrec", inputs)


def group_rss_mib(pgid: int) -> float:
    """Resident memory of every process in a process group (Triton and its backend stubs)."""
    pages = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid:  # fields after the name: state, ppid, pgrp, ...
            pages += int(fields[21])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def measure_triton(
    checkpoint: Path,
    temp_dir: Path,
    images: np.ndarray,
    model: DFREC,
    runs: int,
    warmup: int,
) -> tuple[float, float]:
    """Median ensemble latency and the RSS of Triton with its stubs, on a fresh export of the
    checkpoint that holds model."""
    num_patches = model.config.geometry.num_patches
    takes_landmarks = model.config.tirm.geometry_prior
    repository = export_repository(checkpoint, temp_dir / "model_repository", "cpu")
    http_port, grpc_port, metrics_port = free_ports(3)
    server = TritonServer(repository, http_port, grpc_port, metrics_port, temp_dir / "triton.log")
    with server:
        server.wait_ready()
        client = triton_http.InferenceServerClient(server.http_url)
        seconds = median_seconds(
            lambda: triton_request(client, images, num_patches, takes_landmarks), runs, warmup
        )
        return seconds, group_rss_mib(os.getpgid(server.process.pid))  # type: ignore[union-attr]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--checkpoint", type=Path, default=DEFAULT_CHECKPOINT)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=5)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="dfrec-bench-") as temp:
        temp_dir = Path(temp)
        checkpoint, weights = args.checkpoint, "checkpoint"
        if not checkpoint.is_file():
            checkpoint, weights = init_checkpoint("small", temp_dir / "small.pt"), "random"
        model, _ = load_checkpoint(checkpoint)
        if model.config.variant != "small":
            raise SystemExit(f"{checkpoint} holds variant {model.config.variant!r}, not 'small'")
        recoverer = Recoverer(model)
        geometry = model.config.geometry
        rng = np.random.default_rng(0)
        size = geometry.image_size
        batches = {n: rng.random((n, 3, size, size), dtype=np.float32) for n in (1, 8)}
        rows = []
        for batch, images in batches.items():
            seconds = median_seconds(lambda i=images: recover(recoverer, i), args.runs, args.warmup)
            rows.append((f"in-process, batch {batch}", seconds, seconds / batch))
        if model.config.ism.mirror_average:
            single = Recoverer(one_ism_pass(model))
            seconds = median_seconds(lambda: recover(single, batches[1]), args.runs, args.warmup)
            rows.append(("in-process, batch 1, one ISM pass", seconds, seconds))
        triton_seconds, triton_rss = measure_triton(
            checkpoint, temp_dir, batches[1], model, args.runs, args.warmup
        )
        rows.append(("Triton ensemble (HTTP), batch 1", triton_seconds, triton_seconds))

    print(
        f"variant small ({weights} weights), {size}x{size}, torch threads "
        f"{torch.get_num_threads()}, median of {args.runs} runs after {args.warmup} warmup"
    )
    print(f"{'path':<34}{'latency ms':>12}{'ms / image':>12}")
    for name, seconds, per_image in rows:
        print(f"{name:<34}{seconds * 1e3:>12.1f}{per_image * 1e3:>12.1f}")
    print(f"{'ratio Triton / in-process, batch 1':<34}{triton_seconds / rows[0][1]:>12.2f}")
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS of this process: {peak_mib:.0f} MiB; Triton + stubs: {triton_rss:.0f} MiB")
    print("load average (1/5/15 min) at the end: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))


if __name__ == "__main__":
    main()
