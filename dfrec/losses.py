"""DFREC's training losses (paper Eq. 2-10), on the offline pretrained networks.

  L = L_id(src) + alpha * L_id(tgt) + l1 * (L_perc(src) + beta * L_perc(tgt)) + l3 * L_patch
      [+ w_mask * BCE(ISM mask, synthetic blend mask)] [+ w_rf * BCE(ISM logit, is_fake)]

- L_id: FaceNet features at mixed_6a, repeat_3, block8, last_bn; mean squared error per layer
  (the squared L2 distance divided by the layer's size), averaged over the 4 layers. By default
  on the tight face crop (the face box of the aligned crop) at 112 px, so that hair and
  background cannot carry identity; FaceNet verifies CelebA pairs as well there (92.5 % vs
  93.3 % on the loose crop at 160 px, 60 people) at half the cost. Recovered and true faces of
  both kinds go through FaceNet in one batch each.
- L_perc: VGG19 relu1_2, relu2_2, relu3_4, relu4_4, relu5_4; mean absolute error (L1) per
  layer, divided by the mean magnitude of the true image's features in that layer, averaged over
  the 5 layers; recovered images of both kinds go through VGG19 in one batch, true ones in
  another. The Caffe-scale VGG activations differ by ~1000x between layers (relu3_4 ~ 700,
  relu5_4 ~ 1), so without the division one layer would be the whole loss and it would dwarf
  L_id; with it every layer counts ~equally and a different face scores ~1.
- L_patch: mean squared error over the masked patches only (the MAE loss).
- L_attr (Eq. 8, weight l2) is left out: it needs a pretrained face-attribute classifier, and no
  such model ships in a pip package here (none could be found offline), so it cannot be computed.
  Attribute consistency is instead carried by L_perc and L_patch on the target.

The paper puts no loss on the ISM directly; the two BCE terms are this project's accepted
additions (supervising m_s with the known blend mask of synthetic forgeries, training the
real/fake head). Pretrained networks are frozen; gradients flow to the recovered images only.
"""

from collections.abc import Callable
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from dfrec.config import PAPER_PATCH_WEIGHT
from dfrec.data.face_box import tight_crop
from dfrec.pretrained.facenet import FaceNet, load_facenet
from dfrec.pretrained.vgg19 import VGG19Features, load_vgg19


@dataclass(frozen=True)
class LossConfig:
    """Weights of the loss terms; defaults are the paper's (alpha = beta = 2, l1 = l3 = 0.5)."""

    target_identity_weight: float = 2.0  # alpha
    target_perceptual_weight: float = 2.0  # beta
    perceptual_weight: float = 0.5  # lambda_1
    patch_weight: float = PAPER_PATCH_WEIGHT  # lambda_3
    mask_weight: float = 1.0  # BCE(m_s, synthetic blend mask); used when true_mask is given
    real_fake_weight: float = 1.0  # BCE(fake_logit, is_fake); used when is_fake is given
    perceptual_size: int | None = None  # resize before VGG19 (CPU training: 64), None = as is
    identity_crop: str = "tight"  # "tight": the face box only; "loose": the whole aligned crop
    identity_size: int = 112  # FaceNet input side for L_id (the graph's own is 160)


Features = dict[str, torch.Tensor]


def features_per_pair(
    features_of: Callable[[torch.Tensor], Features],
    recovered: list[torch.Tensor],
    true: list[torch.Tensor],
) -> list[tuple[Features, Features]]:
    """features_of run once on all recovered batches (with gradients) and once on all true ones
    (without), split back into one (recovered, true) pair of {layer: (B, ...)} per image pair.

    recovered, true: lists of (B, 3, H, W) batches, pair by pair.
    """
    batch = recovered[0].shape[0]
    recovered_features = features_of(torch.cat(recovered))
    with torch.no_grad():
        true_features = features_of(torch.cat(true))
    pairs = []
    for index in range(len(recovered)):
        rows = slice(index * batch, (index + 1) * batch)
        pairs.append(
            (
                {name: feature[rows] for name, feature in recovered_features.items()},
                {name: feature[rows] for name, feature in true_features.items()},
            )
        )
    return pairs


def identity_losses(
    facenet: FaceNet,
    recovered: list[torch.Tensor],
    true: list[torch.Tensor],
    crop: str = "loose",
    size: int = 160,
) -> list[torch.Tensor]:
    """Per pair of (recovered, true) image batches: the mean over FaceNet's 4 feature layers of
    the per-layer MSE. All recovered batches go through FaceNet in one call (with gradients), all
    true ones in another (without).

    recovered, true: lists of (B, 3, H, W) RGB in [0, 1]; crop "tight" keeps the face box only.
    Returns one scalar per pair.
    """
    if crop not in ("tight", "loose"):
        raise ValueError(f"identity crop must be 'tight' or 'loose', got {crop!r}")
    prepare = tight_crop if crop == "tight" else (lambda images: images)
    pairs = features_per_pair(
        lambda images: facenet(prepare(images), size).features, recovered, true
    )
    return [
        torch.stack([F.mse_loss(mine[name], truth[name]) for name in truth]).mean()
        for mine, truth in pairs
    ]


def identity_loss(facenet: FaceNet, recovered: torch.Tensor, true: torch.Tensor) -> torch.Tensor:
    """identity_losses for one pair on the loose crop at FaceNet's own 160 px. (B, 3, H, W) x 2
    -> scalar."""
    return identity_losses(facenet, [recovered], [true])[0]


def perceptual_losses(
    vgg: VGG19Features, recovered: list[torch.Tensor], true: list[torch.Tensor], eps: float = 1e-3
) -> list[torch.Tensor]:
    """Per pair of (recovered, true) image batches: the mean over VGG19's 5 layers of L1 / mean
    |true feature| (of that pair's true batch). All recovered batches go through VGG19 in one
    call (with gradients), all true ones in another (without).

    recovered, true: lists of (B, 3, H, W) RGB in [0, 1]. Returns one scalar per pair.
    """
    return [
        torch.stack(
            [
                F.l1_loss(mine[name], feature) / feature.abs().mean().clamp(min=eps)
                for name, feature in truth.items()
            ]
        ).mean()
        for mine, truth in features_per_pair(vgg, recovered, true)
    ]


def perceptual_loss(
    vgg: VGG19Features, recovered: torch.Tensor, true: torch.Tensor
) -> torch.Tensor:
    """perceptual_losses for one pair. (B, 3, H, W) x 2 -> scalar."""
    return perceptual_losses(vgg, [recovered], [true])[0]


def masked_patch_loss(
    predicted_patches: torch.Tensor, true_patches: torch.Tensor, masked: torch.Tensor
) -> torch.Tensor:
    """MSE over the masked patches only.

    predicted_patches, true_patches: (B, n, p*p*3); masked: (B, n) bool -> scalar
    (0 with a gradient path when nothing is masked).
    """
    per_patch = (predicted_patches - true_patches).pow(2).mean(dim=-1)
    weights = masked.to(per_patch.dtype)
    return (per_patch * weights).sum() / weights.sum().clamp(min=1.0)


def mask_loss(mask_logits: torch.Tensor, true_mask: torch.Tensor) -> torch.Tensor:
    """BCE between the ISM mask and the known blend mask. (B, 1, H, W) logits, [0, 1] -> scalar."""
    return F.binary_cross_entropy_with_logits(mask_logits, true_mask.to(mask_logits.dtype))


def real_fake_loss(fake_logit: torch.Tensor, is_fake: torch.Tensor) -> torch.Tensor:
    """BCE of the ISM's forgery logit. fake_logit: (B,), is_fake: (B,) bool/0-1 -> scalar."""
    return F.binary_cross_entropy_with_logits(fake_logit, is_fake.to(fake_logit.dtype))


class DFRECLoss(nn.Module):
    """All DFREC loss terms; returns named terms for logging plus their weighted sum "total".

    facenet / vgg default to the process-wide frozen networks (`load_facenet`, `load_vgg19`).
    They are submodules, so `.to(device)` moves them with the loss.
    """

    def __init__(
        self,
        config: LossConfig | None = None,
        facenet: FaceNet | None = None,
        vgg: VGG19Features | None = None,
    ):
        super().__init__()
        self.config = config or LossConfig()
        self.facenet = facenet if facenet is not None else load_facenet()
        self.vgg = vgg if vgg is not None else load_vgg19()

    def perceptual_inputs(self, images: list[torch.Tensor]) -> list[torch.Tensor]:
        """The images at config.perceptual_size (bilinear, antialiased) when it is set."""
        size = self.config.perceptual_size
        if size is None or images[0].shape[-1] == size:
            return images
        return [
            F.interpolate(image, size=(size, size), mode="bilinear", antialias=True)
            for image in images
        ]

    def forward(
        self,
        *,
        recovered_source: torch.Tensor,
        true_source: torch.Tensor,
        recovered_target: torch.Tensor,
        true_target: torch.Tensor,
        predicted_patches: torch.Tensor,
        true_patches: torch.Tensor,
        masked: torch.Tensor,
        mask_logits: torch.Tensor | None = None,
        true_mask: torch.Tensor | None = None,
        fake_logit: torch.Tensor | None = None,
        is_fake: torch.Tensor | None = None,
    ) -> dict[str, torch.Tensor]:
        """Images: (B, 3, H, W) in [0, 1]; patches: (B, n, p*p*3); masked: (B, n) bool;
        mask_logits, true_mask: (B, 1, H, W); fake_logit, is_fake: (B,). Returns scalars."""
        config = self.config
        if (mask_logits is None) != (true_mask is None):
            raise ValueError("give both mask_logits and true_mask, or neither")
        if (fake_logit is None) != (is_fake is None):
            raise ValueError("give both fake_logit and is_fake, or neither")
        identity_source, identity_target = identity_losses(
            self.facenet,
            [recovered_source, recovered_target],
            [true_source, true_target],
            config.identity_crop,
            config.identity_size,
        )
        perceptual_source, perceptual_target = perceptual_losses(
            self.vgg,
            self.perceptual_inputs([recovered_source, recovered_target]),
            self.perceptual_inputs([true_source, true_target]),
        )
        terms = {
            "identity_source": identity_source,
            "identity_target": identity_target,
            "perceptual_source": perceptual_source,
            "perceptual_target": perceptual_target,
            "patch": masked_patch_loss(predicted_patches, true_patches, masked),
        }
        weights = {
            "identity_source": 1.0,
            "identity_target": config.target_identity_weight,
            "perceptual_source": config.perceptual_weight,
            "perceptual_target": config.perceptual_weight * config.target_perceptual_weight,
            "patch": config.patch_weight,
        }
        if mask_logits is not None:
            terms["mask"] = mask_loss(mask_logits, true_mask)
            weights["mask"] = config.mask_weight
        if fake_logit is not None:
            terms["real_fake"] = real_fake_loss(fake_logit, is_fake)
            weights["real_fake"] = config.real_fake_weight
        terms["total"] = sum(weights[name] * value for name, value in terms.items())
        return terms
