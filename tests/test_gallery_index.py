"""The per-gallery faiss index: exact and HNSW answer the planted neighbour; the cache rebuilds
at a new version, adds an enrol in place, and forgets a gallery's vectors on drop."""

import numpy as np
import pytest

from gallery.embedding import DIMENSIONS
from gallery.index import IndexCache, IndexShape, build_index, search_index


def unit_rows(count: int, seed: int = 0) -> np.ndarray:
    rows = np.random.default_rng(seed).standard_normal((count, DIMENSIONS)).astype(np.float32)
    return rows / np.linalg.norm(rows, axis=1, keepdims=True)


@pytest.mark.parametrize("exact_max_vectors", [10_000, 100], ids=["exact", "hnsw"])
def test_both_kinds_find_the_planted_vector(exact_max_vectors: int) -> None:
    vectors = unit_rows(2_000)
    keys = np.arange(10, 2_010, dtype=np.int64)
    index = build_index(keys, vectors, IndexShape(exact_max_vectors=exact_max_vectors))
    for row in (0, 777, 1_999):
        found = search_index(index, vectors[row], 5)
        assert found[0][0] == keys[row] and found[0][1] == pytest.approx(1.0, abs=1e-5)
        assert [score for _, score in found] == sorted((s for _, s in found), reverse=True)
    assert search_index(build_index(keys[:0], vectors[:0], IndexShape()), vectors[0], 5) == []


def test_cache_follows_the_version() -> None:
    vectors = unit_rows(3, seed=1)
    loads = []

    def load(count: int):
        def loader():
            loads.append(count)
            return np.arange(1, count + 1, dtype=np.int64), vectors[:count]

        return loader

    cache = IndexCache(IndexShape())
    cache.current(7, 1, load(2))
    cache.current(7, 1, load(2))
    assert loads == [2]  # built once per version
    cache.added(7, 2, 3, vectors[2])  # this process's enrol at the next version: in place
    assert cache.holds(7, 3) and cache.current(7, 2, load(3)).ntotal == 3 and loads == [2]
    cache.added(7, 4, 9, vectors[0])  # a version was missed: left for a rebuild
    assert not cache.holds(7, 9)
    cache.drop(7)
    assert not cache.holds(7, 1)
    assert cache.current(7, 5, load(1)).ntotal == 1 and loads == [2, 1]
