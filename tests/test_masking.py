"""Algorithm 1 (semantic-guided masking) and its reproducible random values."""

import numpy as np
import pytest
import torch

from dfrec.models.masking import semantic_guided_masking
from dfrec.noise import NOISE_HIGH, batch_masking_noise, masking_noise

NUM_PATCHES = 16
NUM_MASKED = 8


def noise(rows: int = 1, seed: int = 0) -> torch.Tensor:
    generator = torch.Generator().manual_seed(seed)
    return torch.rand(rows, NUM_PATCHES, generator=generator) * NOISE_HIGH


def masked_set(row: torch.Tensor) -> set[int]:
    return set(row.tolist())


def test_high_mean_falls_back_to_noise_order() -> None:
    weights = torch.full((1, NUM_PATCHES), 0.82)
    weights[0, :NUM_MASKED] = 1.0  # mean 0.91: without the fallback these would be masked
    values = noise()
    selection = semantic_guided_masking(weights, values, NUM_MASKED)
    expected = torch.argsort(values, dim=1, descending=True)[0, :NUM_MASKED]
    assert masked_set(selection.masked_index[0]) == masked_set(expected)
    assert masked_set(expected) != set(range(NUM_MASKED))


def test_mean_exactly_at_threshold_falls_back() -> None:
    weights = torch.full((1, NUM_PATCHES), 0.9)  # without the fallback: ties, patches 0..7
    values = noise()
    selection = semantic_guided_masking(weights, values, NUM_MASKED)
    expected = torch.argsort(values, dim=1, descending=True)[0, :NUM_MASKED]
    assert masked_set(selection.masked_index[0]) == masked_set(expected)


def test_mean_just_below_fallback_uses_weights() -> None:
    weights = torch.full((1, NUM_PATCHES), 0.6)
    weights[0, :NUM_MASKED] = 1.0  # mean 0.8: the eight 1.0 patches are the source region
    selection = semantic_guided_masking(weights, noise(), NUM_MASKED)
    assert masked_set(selection.masked_index[0]) == set(range(NUM_MASKED))


def test_low_weights_replaced_by_noise_and_masked_last() -> None:
    weights = torch.zeros(1, NUM_PATCHES)
    weights[0, [1, 5, 9]] = torch.tensor([0.5, 0.8, 0.6])  # three source patches
    weights[0, [0, 2]] = 0.49  # below 0.5: as good as noise, not as source
    values = noise()
    selection = semantic_guided_masking(weights, values, NUM_MASKED)
    masked = selection.masked_index[0].tolist()
    assert masked[:3] == [5, 9, 1]  # source patches first, descending weight
    low = [i for i in range(NUM_PATCHES) if i not in (1, 5, 9)]
    noise_order = sorted(low, key=lambda i: -values[0, i].item())
    assert masked[3:] == noise_order[: NUM_MASKED - 3]


def test_exactly_m_patches_masked_per_row() -> None:
    weights = torch.rand(5, NUM_PATCHES)
    weights[3] = 1.0  # fallback row
    weights[4] = 0.0  # no source patch at all
    selection = semantic_guided_masking(weights, noise(5), NUM_MASKED)
    assert (selection.masked.sum(dim=1) == NUM_MASKED).all()
    assert selection.masked_index.shape == (5, NUM_MASKED)
    assert selection.kept_index.shape == (5, NUM_PATCHES - NUM_MASKED)


def test_indices_are_consistent_permutations() -> None:
    selection = semantic_guided_masking(torch.rand(4, NUM_PATCHES), noise(4), NUM_MASKED)
    order = torch.cat([selection.masked_index, selection.kept_index], dim=1)
    assert (order.sort(dim=1).values == torch.arange(NUM_PATCHES)).all()
    rows = torch.arange(4).unsqueeze(1)
    assert (order[rows, selection.restore_index] == torch.arange(NUM_PATCHES)).all()
    assert selection.masked.gather(1, selection.masked_index).all()
    assert not selection.masked.gather(1, selection.kept_index).any()


def test_masking_is_deterministic() -> None:
    weights = torch.rand(3, NUM_PATCHES)
    weights[:, :5] = 0.7  # ties resolve the same way every time
    first = semantic_guided_masking(weights, noise(3), NUM_MASKED)
    second = semantic_guided_masking(weights.clone(), noise(3), NUM_MASKED)
    for a, b in zip(first, second, strict=True):
        assert torch.equal(a, b)


@pytest.fixture
def images() -> np.ndarray:
    return np.random.default_rng(0).random((2, 3, 32, 32), dtype=np.float32)


def test_noise_same_for_same_image(images: np.ndarray) -> None:
    assert np.array_equal(masking_noise(images[0], 64), masking_noise(images[0].copy(), 64))


def test_noise_differs_between_images(images: np.ndarray) -> None:
    assert not np.array_equal(masking_noise(images[0], 64), masking_noise(images[1], 64))
    changed = images[0].copy()
    changed[0, 0, 0] += 1e-3
    assert not np.array_equal(masking_noise(images[0], 64), masking_noise(changed, 64))


def test_noise_range_dtype_and_batch(images: np.ndarray) -> None:
    batch = batch_masking_noise(images, 64)
    assert batch.shape == (2, 64) and batch.dtype == np.float32
    assert batch.min() >= 0.0 and batch.max() < NOISE_HIGH
    assert np.array_equal(batch[1], masking_noise(images[1], 64))
