"""Per-row numbers: identity similarity (FaceNet and the dlib judge), FID, PSNR, SSIM, Acc_id
and ROC AUC, computed from features that are cached so that every image set is embedded once."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import torch

from dfrec.metrics import acc_id, frechet_distance, psnr, roc_auc, ssim
from dfrec.pretrained.dlib_judge import descriptor_cosine, load_dlib_judge, same_person
from dfrec.pretrained.facenet import load_facenet
from dfrec.pretrained.inception_fid import load_inception_fid

MIN_FID_SAMPLES = 16  # below this FID is reported as skipped (the covariance is meaningless)
PSNR_CAP = 100.0  # dB, for identical pairs (PSNR = inf)


class FeatureCache:
    """FaceNet embeddings, dlib descriptors and Inception features of image sets, computed in
    chunks on first use and remembered per tensor object (kept alive by the cache)."""

    def __init__(self, chunk_size: int = 16):
        self.chunk_size = chunk_size
        self._store: dict[tuple[int, str], tuple[torch.Tensor, Any]] = {}

    def _get(self, images: torch.Tensor, what: str, compute: Callable[[torch.Tensor], Any]) -> Any:
        key = (id(images), what)
        if key not in self._store:
            self._store[key] = (images, compute(images))
        return self._store[key][1]

    def _chunks(self, images: torch.Tensor) -> tuple[torch.Tensor, ...]:
        return images.split(self.chunk_size)

    @torch.no_grad()
    def embedding(self, images: torch.Tensor) -> torch.Tensor:
        """(N, 3, S, S) -> (N, 512) unit FaceNet embeddings."""
        facenet = load_facenet()
        return self._get(
            images,
            "facenet",
            lambda x: torch.cat([facenet(chunk).embedding for chunk in self._chunks(x)]),
        )

    def descriptor(self, images: torch.Tensor) -> np.ndarray:
        """(N, 3, S, S) -> (N, 128) dlib descriptors."""
        judge = load_dlib_judge()
        return self._get(images, "dlib", judge.descriptors)

    @torch.no_grad()
    def inception(self, images: torch.Tensor) -> np.ndarray:
        """(N, 3, S, S) -> (N, 2048) float64 FID pool features."""
        model = load_inception_fid()
        return self._get(
            images,
            "inception",
            lambda x: torch.cat([model(chunk) for chunk in self._chunks(x)]).double().numpy(),
        )

    def clear(self) -> None:
        self._store.clear()


def _mean(values: torch.Tensor | np.ndarray) -> float:
    return float(np.asarray(values, dtype=np.float64).mean())


def recovery_metrics(
    recovered: torch.Tensor,
    true: torch.Tensor,
    recovered_cache: FeatureCache,
    true_cache: FeatureCache,
    judge: bool,
    fid: bool,
) -> dict[str, float | None]:
    """Recovered faces vs the true ones, (N, 3, S, S) each -> {idsim, judge_cosine,
    judge_verified, fid, psnr, ssim}; judge/fid entries are None when not asked for (or FID
    when N < MIN_FID_SAMPLES)."""
    embed_r, embed_t = recovered_cache.embedding(recovered), true_cache.embedding(true)
    row: dict[str, float | None] = {
        "idsim": _mean((embed_r * embed_t).sum(dim=1)),
        "judge_cosine": None,
        "judge_verified": None,
        "fid": None,
        "psnr": _mean(psnr(recovered, true).clamp(max=PSNR_CAP)),
        "ssim": _mean(ssim(recovered, true)),
    }
    if judge:
        desc_r, desc_t = recovered_cache.descriptor(recovered), true_cache.descriptor(true)
        row["judge_cosine"] = _mean(descriptor_cosine(desc_r, desc_t))
        row["judge_verified"] = _mean(same_person(desc_r, desc_t))
    if fid and len(recovered) >= MIN_FID_SAMPLES:
        row["fid"] = frechet_distance(
            recovered_cache.inception(recovered), true_cache.inception(true)
        )
    return row


def detection_metrics(
    fake_inputs: torch.Tensor,
    fake_recovered_targets: torch.Tensor,
    pristine_inputs: torch.Tensor,
    pristine_recovered_targets: torch.Tensor,
    cache: FeatureCache,
    fake_probability: torch.Tensor | None,
    pristine_probability: torch.Tensor | None,
) -> dict[str, float | None]:
    """Acc_id (FaceNet cosine of input vs recovered target, > 0.9 = real) and ROC AUC of the
    fake probability (None without a detector), over the fakes + the pristine inputs."""
    similarity = torch.cat(
        [
            (cache.embedding(fake_inputs) * cache.embedding(fake_recovered_targets)).sum(dim=1),
            (cache.embedding(pristine_inputs) * cache.embedding(pristine_recovered_targets)).sum(
                dim=1
            ),
        ]
    ).numpy()
    labels = np.r_[np.ones(len(fake_inputs), bool), np.zeros(len(pristine_inputs), bool)]
    auc = None
    if fake_probability is not None and pristine_probability is not None:
        scores = torch.cat([fake_probability, pristine_probability]).double().numpy()
        auc = roc_auc(scores, labels)
    return {
        "acc_id": acc_id(similarity, labels),
        "auc": auc,
        "input_similarity_fake": _mean(similarity[labels]),
        "input_similarity_pristine": _mean(similarity[~labels]),
    }
