"""Per-row numbers: identity similarity (FaceNet and the dlib judge), FID, PSNR, SSIM, Acc_id
and ROC AUC, computed from features that are cached so that every image set is embedded once."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np
import torch

from dfrec.data.face_box import tight_crop
from dfrec.evaluation.identity import (
    Gallery,
    identity_ranks,
    mask_area,
    mask_iou,
    top_k_rate,
    unit_rows,
)
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

    @torch.no_grad()
    def tight_embedding(self, images: torch.Tensor) -> torch.Tensor:
        """(N, 3, S, S) aligned crops -> (N, 512) unit FaceNet embeddings of their face box."""
        facenet = load_facenet()
        return self._get(
            images,
            "facenet_tight",
            lambda x: torch.cat(
                [facenet(tight_crop(chunk)).embedding for chunk in self._chunks(x)]
            ),
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


RETRIEVAL_K = (1, 5)


class Galleries(NamedTuple):
    """The test people's photos described by FaceNet (tight crops) and by the dlib judge."""

    facenet: Gallery
    judge: Gallery | None


# Galleries already described in this process, by a digest of their photos, people and rows:
# `dfrec evaluate` and `dfrec cross-forgery` on the same test people describe them once
# (the dlib judge takes minutes for the 851 photos on 2 CPU cores).
_described: dict[tuple[str, bool], Galleries] = {}


def gallery_digest(images: torch.Tensor, people: np.ndarray, rows: np.ndarray) -> str:
    """SHA-256 of the gallery's content: (M, 3, S, S) float32 photos, (M,) people and rows."""
    digest = hashlib.sha256(images.contiguous().numpy().tobytes())
    for array in (people, rows):
        digest.update(np.asarray(array).astype(str).tobytes())
    return digest.hexdigest()


def build_galleries(
    images: torch.Tensor, people: np.ndarray, rows: np.ndarray, cache: FeatureCache, judge: bool
) -> Galleries:
    """images: (M, 3, S, S) every aligned photo of the test people; people, rows: (M,)."""
    key = (gallery_digest(images, people, rows), judge)
    if key not in _described:
        facenet = Gallery(unit_rows(cache.tight_embedding(images).numpy()), people, rows)
        described = None
        if judge:
            described = Gallery(unit_rows(cache.descriptor(images)), people, rows)
        _described[key] = Galleries(facenet, described)
    return _described[key]


def identity_metrics(
    recovered: torch.Tensor,
    true: torch.Tensor,
    true_people: np.ndarray,
    excluded_rows: np.ndarray,
    recovered_cache: FeatureCache,
    true_cache: FeatureCache,
    galleries: Galleries,
    judge: bool,
    other_people: np.ndarray | None = None,
) -> dict[str, float | None]:
    """Tight-crop IDSIM and retrieval of the true person: {idsim_tight, facenet_top1,
    facenet_top5, judge_top1, judge_top5, judge_ranks, judge_other_top1}; judge entries None
    unless asked for (judge_ranks: the true person's rank per query, for the paired comparison;
    judge_other_top1: the share of queries the judge names as the forgery's *other* person,
    other_people (N,): a recovered target that names the source is a wrong answer, not a miss).

    recovered, true: (N, 3, S, S); true_people: (N,); excluded_rows: (N, K) gallery rows to leave
    out per query (the photos the forgery was made from)."""
    tight_r = recovered_cache.tight_embedding(recovered)
    row: dict[str, float | None] = {
        "idsim_tight": _mean((tight_r * true_cache.tight_embedding(true)).sum(dim=1)),
        "judge_ranks": None,
        "judge_other_top1": None,
    }
    named = {"facenet": (galleries.facenet, tight_r.numpy())}
    if judge and galleries.judge is not None:
        named["judge"] = (galleries.judge, recovered_cache.descriptor(recovered))
    for name in ("facenet", "judge"):
        for k in RETRIEVAL_K:
            row[f"{name}_top{k}"] = None
        if name not in named:
            continue
        gallery, queries = named[name]
        ranks = identity_ranks(queries, true_people, excluded_rows, gallery)
        for k in RETRIEVAL_K:
            row[f"{name}_top{k}"] = top_k_rate(ranks, k)
        if name == "judge":
            row["judge_ranks"] = ranks.tolist()
            if other_people is not None:
                other = identity_ranks(queries, other_people, excluded_rows, gallery)
                row["judge_other_top1"] = top_k_rate(other, 1)
    return row


TOP_SHARE = 0.25  # top-k % IoU: the k of the share of pixels a map marks (~ a blend mask's area)


def top_share_iou(scores: torch.Tensor, true_masks: torch.Tensor, share: float) -> torch.Tensor:
    """IoU of each map's top `share` of pixels (ties at the cut included) with the true mask
    > 0.5: how well a map ranks the blended pixels first, whatever its scale.
    (N, 1, S, S) each -> (N,)."""
    flat = scores.flatten(1).float()
    cut = torch.quantile(flat, 1.0 - share, dim=1, keepdim=True)
    top = flat >= cut
    truth = true_masks.flatten(1) > 0.5
    union = (top | truth).sum(dim=1).clamp(min=1)
    return (top & truth).sum(dim=1) / union


def segmentation_metrics(
    fake_masks: torch.Tensor, true_masks: torch.Tensor, pristine_masks: torch.Tensor
) -> dict[str, float]:
    """ISM mask quality: mean IoU with the true blend mask on fakes (mask > 0.5, and its top
    TOP_SHARE of pixels), mean mask area (share of pixels above 0.5) on pristine faces.
    (N, 1, S, S) each."""
    return {
        "mask_iou": _mean(mask_iou(fake_masks, true_masks)),
        f"mask_iou_top{round(100 * TOP_SHARE)}": _mean(
            top_share_iou(fake_masks, true_masks, TOP_SHARE)
        ),
        "mask_area_fake": _mean(mask_area(fake_masks)),
        "mask_area_pristine": _mean(mask_area(pristine_masks)),
    }


def heatmap_metrics(heatmaps: torch.Tensor, true_masks: torch.Tensor) -> dict[str, float]:
    """LRE heat-map localisation: IoU of its top TOP_SHARE of pixels with the true blend mask
    on the fakes. (N, 1, S, S) each."""
    return {
        f"heatmap_iou_top{round(100 * TOP_SHARE)}": _mean(
            top_share_iou(heatmaps, true_masks, TOP_SHARE)
        )
    }


def detection_metrics(
    fake_inputs: torch.Tensor,
    fake_recovered_targets: torch.Tensor | None,
    pristine_inputs: torch.Tensor,
    pristine_recovered_targets: torch.Tensor | None,
    cache: FeatureCache,
    fake_probability: torch.Tensor | None,
    pristine_probability: torch.Tensor | None,
) -> dict[str, float | None]:
    """Acc_id (FaceNet cosine of input vs recovered target, > 0.9 = real; None without
    recovered targets) and ROC AUC of the fake probability (None without a detector), over the
    fakes + the pristine inputs."""
    labels = np.r_[np.ones(len(fake_inputs), bool), np.zeros(len(pristine_inputs), bool)]
    auc = None
    if fake_probability is not None and pristine_probability is not None:
        scores = torch.cat([fake_probability, pristine_probability]).double().numpy()
        auc = roc_auc(scores, labels)
    if fake_recovered_targets is None or pristine_recovered_targets is None:
        return {
            "acc_id": None,
            "auc": auc,
            "input_similarity_fake": None,
            "input_similarity_pristine": None,
        }
    similarity = torch.cat(
        [
            (cache.embedding(fake_inputs) * cache.embedding(fake_recovered_targets)).sum(dim=1),
            (cache.embedding(pristine_inputs) * cache.embedding(pristine_recovered_targets)).sum(
                dim=1
            ),
        ]
    ).numpy()
    return {
        "acc_id": acc_id(similarity, labels),
        "auc": auc,
        "input_similarity_fake": _mean(similarity[labels]),
        "input_similarity_pristine": _mean(similarity[~labels]),
    }
