"""The compared methods behind one interface: None (the fake itself), DFREC and DRN."""

from __future__ import annotations

from pathlib import Path
from typing import Any, NamedTuple, Protocol

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


def _field(output: Any, *names: str) -> Any:
    """output[name] or output.name for the first name present, else None."""
    for name in names:
        if isinstance(output, dict) and name in output:
            return output[name]
        if hasattr(output, name):
            return getattr(output, name)
    return None


def _resize(images: torch.Tensor | None, size: int) -> torch.Tensor | None:
    if images is None or images.shape[-1] == size:
        return images
    return F.interpolate(images.float(), size=(size, size), mode="bilinear", align_corners=False)


class DRNMethod:
    """The DRN baseline from `dfrec.baselines` (imported only when a DRN checkpoint is given).

    Accepts a drn_recover result that is a tensor (the traced target face), a (target, source)
    tuple, or an object / dict with `target`/`target_face` (and optionally `source`...) fields.
    """

    name = "DRN"

    def __init__(self, checkpoint: Path, chunk_size: int = 16):
        try:
            from dfrec.baselines import drn_recover, load_drn
        except ImportError:  # the package does not re-export them: take them from the modules
            from dfrec.baselines.drn import drn_recover
            from dfrec.baselines.drn_checkpoint import load_drn

        loaded = load_drn(checkpoint)  # (model, metadata) in dfrec.baselines.drn_checkpoint
        self.model = loaded[0] if isinstance(loaded, tuple) else loaded
        self.model.eval()
        self._recover = drn_recover
        self.chunk_size = chunk_size
        self.image_size = _field(self.model, "image_size")
        config = _field(self.model, "config")
        if self.image_size is None and config is not None:
            self.image_size = _field(config, "image_size")

    def _chunk(self, images: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor | None]:
        size = images.shape[-1]
        if isinstance(self.image_size, int):
            images = _resize(images, self.image_size)
        with torch.inference_mode():
            output = self._recover(self.model, images.contiguous())
        if isinstance(output, torch.Tensor):
            target, source = output, None
        elif isinstance(output, tuple) and not hasattr(output, "_fields"):
            target, source = output[0], output[1] if len(output) > 1 else None
        else:
            target = _field(output, "target", "target_face", "traced", "face")
            source = _field(output, "source", "source_face")
        if target is None:
            raise TypeError(f"cannot read a recovered face from drn_recover's {type(output)}")
        return _resize(target, size).clamp(0, 1), _resize(source, size)

    def run(self, images: torch.Tensor) -> MethodOutput:
        parts = [self._chunk(chunk) for chunk in images.split(self.chunk_size)]
        target = torch.cat([p[0] for p in parts]).float()
        sources = [p[1] for p in parts]
        source = None if any(s is None for s in sources) else torch.cat(sources).float().clamp(0, 1)
        return MethodOutput(target, source, None, None)


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
