"""The compared methods behind one interface: None (the fake itself), DFREC and DRN."""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple, Protocol

import torch
import torch.nn.functional as F

from dfrec.pipeline import Recoverer


class MethodOutput(NamedTuple):
    """Recovered faces (N, 3, S, S) in [0, 1]; every field may be None (a detector such as LRE
    recovers nothing)."""

    target: torch.Tensor | None
    source: torch.Tensor | None
    mask: torch.Tensor | None
    fake_probability: torch.Tensor | None  # (N,)
    heatmap: torch.Tensor | None = None  # (N, 1, S, S) in [0, 1]: LRE's, ranked for top-k IoU


class Method(Protocol):
    name: str

    def run(self, images: torch.Tensor) -> MethodOutput: ...


class NoRecovery:
    """The "None" row: the input itself stands for both the recovered target and source."""

    name = "None"

    def run(self, images: torch.Tensor) -> MethodOutput:
        return MethodOutput(images, images, None, None)


class DFRECMethod:
    """A DFREC checkpoint, run in chunks (Recoverer's noise is seeded per image, so chunking
    does not change the result)."""

    def __init__(
        self,
        recoverer: Recoverer,
        chunk_size: int = 16,
        name: str = "DFREC",
        recover: bool = True,
    ):
        self.recoverer = recoverer
        self.chunk_size = chunk_size
        self.name = name
        self.recover = recover  # False: the ISM alone (mask and fake probability), no faces

    def run(self, images: torch.Tensor) -> MethodOutput:
        if not self.recover:
            with torch.inference_mode():
                parts = [self.recoverer.model.ism(chunk) for chunk in images.split(self.chunk_size)]
            return MethodOutput(
                None,
                None,
                torch.cat([p.mask for p in parts]).float(),
                torch.sigmoid(torch.cat([p.fake_logit for p in parts])).float(),
            )
        parts = [
            self.recoverer.recover(chunk.contiguous()) for chunk in images.split(self.chunk_size)
        ]
        return MethodOutput(
            target=torch.cat([p.target_face for p in parts]).float(),
            source=torch.cat([p.source_face for p in parts]).float(),
            mask=torch.cat([p.mask for p in parts]).float(),
            fake_probability=torch.cat([p.fake_probability for p in parts]).float(),
        )


def _resize(images: torch.Tensor, size: int) -> torch.Tensor:
    if images.shape[-1] == size:
        return images
    return F.interpolate(images.float(), size=(size, size), mode="bilinear", align_corners=False)


class DRNMethod:
    """The DRN baseline (`dfrec.baselines`, imported only when a DRN checkpoint is given): a
    recovered target only, at the DRN's own image size and resized back to the samples'."""

    name = "DRN"

    def __init__(self, checkpoint: Path, chunk_size: int = 16):
        from dfrec.baselines.drn import drn_recover
        from dfrec.baselines.drn_checkpoint import load_drn

        self.model = load_drn(checkpoint)[0]
        self._recover = drn_recover
        self.chunk_size = chunk_size

    def run(self, images: torch.Tensor) -> MethodOutput:
        size, own = images.shape[-1], self.model.config.image_size
        targets = [
            _resize(self._recover(self.model, _resize(chunk, own).contiguous()), size)
            for chunk in images.split(self.chunk_size)
        ]
        return MethodOutput(torch.cat(targets).float().clamp(0, 1), None, None, None)


class LREMethod:
    """The LRE detector of `dfrec.lre`: a fake probability and a heat map, no recovered faces.
    Inference masking is fixed, so chunking does not change the result."""

    def __init__(self, checkpoint: Path, chunk_size: int = 16, name: str = "LRE"):
        from dfrec.lre.checkpoint import load_lre

        self.model, self.metadata = load_lre(checkpoint)
        self.chunk_size = chunk_size
        self.name = name

    def run(self, images: torch.Tensor) -> MethodOutput:
        size = self.model.config.image_size
        probabilities, heatmaps = [], []
        with torch.inference_mode():
            for chunk in images.split(self.chunk_size):
                output = self.model(_resize(chunk, size).contiguous())
                probabilities.append(output.fake_probability.float())
                heatmaps.append(_resize(output.heatmap.float(), images.shape[-1]))
        return MethodOutput(None, None, None, torch.cat(probabilities), heatmap=torch.cat(heatmaps))
