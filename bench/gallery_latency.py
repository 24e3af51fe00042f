"""Gallery search latency at scale: synthetic unit vectors (10 k, 100 k, 1 M), indexed as the
service does (gallery.index.build_index: exact up to IndexShape.exact_max_vectors, HNSW above),
searched one query at a time on one thread as a request does. Each query is a stored vector
plus noise, so the stored one is the right answer: `planted top-1` is how often the index
returns it (exact search: always, unless the noise made another vector closer). Prints build
seconds and the p50 / p99 milliseconds of one search from one run.

    python bench/gallery_latency.py [--sizes 10000 100000 1000000] [--queries 1000]

Not a test: a measurement, printed as a table. Needs about 1 GB of memory at 1 M.
"""

from __future__ import annotations

import argparse
import os
import time

import faiss
import numpy as np

from gallery.embedding import DIMENSIONS
from gallery.index import IndexShape, build_index, search_index

NOISE = 0.05
"""Per-dimension noise on a unit vector of 128 (about 0.55 of its length in all)."""


def unit_rows(rng: np.random.Generator, count: int) -> np.ndarray:
    rows = rng.standard_normal((count, DIMENSIONS), dtype=np.float32)
    return rows / np.linalg.norm(rows, axis=1, keepdims=True)


def measure(size: int, queries: int, shape: IndexShape, exact: bool) -> dict[str, float]:
    rng = np.random.default_rng(size)
    vectors = unit_rows(rng, size)
    keys = np.arange(1, size + 1, dtype=np.int64)
    if exact:
        shape = IndexShape(exact_max_vectors=size)
    faiss.omp_set_num_threads(os.cpu_count() or 1)
    started = time.perf_counter()
    index = build_index(keys, vectors, shape)
    build = time.perf_counter() - started
    faiss.omp_set_num_threads(1)  # as in the service (gallery.index.IndexCache)
    planted = rng.choice(size, queries, replace=False)
    asked = vectors[planted] + NOISE * rng.standard_normal((queries, DIMENSIONS), np.float32)
    asked /= np.linalg.norm(asked, axis=1, keepdims=True)
    times, hits = [], 0
    for query, key in zip(asked, keys[planted], strict=True):
        started = time.perf_counter()
        found = search_index(index, query, 10)
        times.append(time.perf_counter() - started)
        hits += found[0][0] == key
    milliseconds = np.array(times) * 1000
    return {
        "build_s": build,
        "p50_ms": float(np.percentile(milliseconds, 50)),
        "p99_ms": float(np.percentile(milliseconds, 99)),
        "planted_top1": hits / queries,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--queries", type=int, default=1000)
    parser.add_argument("--exact-too", action="store_true", help="also exact search above the cut")
    args = parser.parse_args()
    shape = IndexShape()
    print(
        f"cpu cores: {os.cpu_count()} (the build uses all, each query one), "
        f"exact up to {shape.exact_max_vectors} vectors, HNSW M={shape.hnsw_neighbors} "
        f"efConstruction={shape.hnsw_ef_construction} efSearch={shape.hnsw_ef_search}"
    )
    print("| vectors | index | build (s) | p50 (ms) | p99 (ms) | planted top-1 |")
    print("|---|---|---|---|---|---|")
    for size in args.sizes:
        kinds = [size <= shape.exact_max_vectors]
        if args.exact_too and not kinds[0]:
            kinds.append(True)
        for exact in kinds:
            row = measure(size, args.queries, shape, exact)
            print(
                f"| {size:,} | {'exact' if exact else 'HNSW'} | {row['build_s']:.1f} | "
                f"{row['p50_ms']:.2f} | {row['p99_ms']:.2f} | {row['planted_top1']:.1%} |",
                flush=True,
            )


if __name__ == "__main__":
    main()
