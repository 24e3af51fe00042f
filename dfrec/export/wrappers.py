"""The three networks with Triton's tensor interface: plain tensors in, tuples of tensors out.

Tensor names follow the `<name>__<index>` convention; the ONNX files, the TensorRT plans and
the python-backend models all use them, so the ensemble configuration is the same for every
runtime.
"""

from __future__ import annotations

import warnings
from typing import NamedTuple

import torch
from torch import nn

from dfrec.config import DFRECConfig
from dfrec.lre.model import LRE
from dfrec.lre.render import display_heatmap
from dfrec.models.dfrec import DFREC, recover_source

LANDMARK_COUNT = 68  # the landmarks a TIRM with geometry_prior takes (dlib's scheme)


class TensorSpec(NamedTuple):
    name: str
    dims: tuple[int, ...]  # without the batch dimension


class ISMServing(nn.Module):
    """image__0 (B,3,S,S) -> mask__0 (B,1,S,S), fake_probability__1 (B,1)."""

    def __init__(self, model: DFREC) -> None:
        super().__init__()
        self.ism = model.ism

    def forward(self, image: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        output = self.ism(image)
        return output.mask, torch.sigmoid(output.fake_logit).unsqueeze(1)


class SIRMServing(nn.Module):
    """image__0, mask__1 -> source__0 (B,3,S,S), target_identity__1 (B,C_t,g,g)."""

    def __init__(self, model: DFREC) -> None:
        super().__init__()
        self.sirm = model.sirm

    def forward(self, image: torch.Tensor, mask: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        output = recover_source(self.sirm, image, mask)
        return output.source, output.target_identity


class TIRMServing(nn.Module):
    """image__0, mask__1, target_identity__2, mask_noise__3 (B,n), and with geometry_prior
    landmarks__4 (B,68,2) -> target__0 (B,3,S,S)."""

    def __init__(self, model: DFREC) -> None:
        super().__init__()
        self.tirm = model.tirm

    def forward(
        self,
        image: torch.Tensor,
        mask: torch.Tensor,
        target_identity: torch.Tensor,
        mask_noise: torch.Tensor,
        landmarks: torch.Tensor | None = None,
    ) -> torch.Tensor:
        return self.tirm(image, mask, target_identity, mask_noise, landmarks).target


class LREServing(nn.Module):
    """image__0 -> lre_fake_probability__0 (B,1), heatmap__1 (B,1,S,S): LRE's opinion and its
    heat map as shown (display scale of the config), with the fixed inference masking."""

    def __init__(self, model: LRE) -> None:
        super().__init__()
        self.lre = model

    def forward(self, image: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        output = self.lre(image)
        heatmap = display_heatmap(output.heatmap, self.lre.config.heatmap_display_max)
        return output.fake_probability.unsqueeze(1), heatmap


class ServingModel(NamedTuple):
    name: str
    module: nn.Module
    inputs: list[TensorSpec]
    outputs: list[TensorSpec]


def serving_models(model: DFREC) -> list[ServingModel]:
    """ISM, SIRM, TIRM with their tensor specs, every dimension derived from the config."""
    config: DFRECConfig = model.config
    size, grid = config.geometry.image_size, config.geometry.grid_size
    image = TensorSpec("image__0", (3, size, size))
    mask_out = TensorSpec("mask__0", (1, size, size))
    mask_in = TensorSpec("mask__1", (1, size, size))
    identity = (config.sirm.target_identity_channels, grid, grid)
    tirm_inputs = [
        image,
        mask_in,
        TensorSpec("target_identity__2", identity),
        TensorSpec("mask_noise__3", (config.geometry.num_patches,)),
    ]
    if config.tirm.geometry_prior:
        tirm_inputs.append(TensorSpec("landmarks__4", (LANDMARK_COUNT, 2)))
    return [
        ServingModel(
            "ism",
            ISMServing(model),
            [image],
            [mask_out, TensorSpec("fake_probability__1", (1,))],
        ),
        ServingModel(
            "sirm",
            SIRMServing(model),
            [image, mask_in],
            [TensorSpec("source__0", (3, size, size)), TensorSpec("target_identity__1", identity)],
        ),
        ServingModel(
            "tirm",
            TIRMServing(model),
            tirm_inputs,
            [TensorSpec("target__0", (3, size, size))],
        ),
    ]


def lre_serving_model(model: LRE) -> ServingModel:
    """LRE as a fourth model of the ensemble, on the same image input."""
    size = model.config.image_size
    return ServingModel(
        "lre",
        LREServing(model),
        [TensorSpec("image__0", (3, size, size))],
        [
            TensorSpec("lre_fake_probability__0", (1,)),
            TensorSpec("heatmap__1", (1, size, size)),
        ],
    )


def trace(serving: ServingModel, batch_size: int = 2) -> torch.jit.ScriptModule:
    """TorchScript of one serving module, traced on random inputs of the declared shapes."""
    generator = torch.Generator().manual_seed(0)
    example = tuple(
        torch.rand((batch_size, *spec.dims), generator=generator) for spec in serving.inputs
    )
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore", category=FutureWarning)  # jit.trace is deprecated
        warnings.simplefilter("ignore", category=torch.jit.TracerWarning)  # size checks
        return torch.jit.trace(serving.module.eval(), example, check_trace=False)
