"""The pretraining stage: each network learns its own task cheaply (no VGG; FaceNet only when
asked for), so that the full DFREC stage starts from networks that already segment, rebuild and
inpaint.

- ISM: BCE + soft Dice of m_s against the known blend mask, BCE of the real/fake logit, on the
  forgeries (its encoder starts from ImageNet weights when the config names them). With
  `ism_lovasz_weight` > 0, also the Lovasz hinge of m_s against the blend mask cut at 0.5 (a
  convex surrogate of that mask's IoU, the evaluation's mask metric): BCE on a feathered edge is
  content with 0.5 there, the Lovasz term pays for each pixel on the wrong side of the cut.
- TIRM: a masked autoencoder on real faces only (the true target photo of every sample, never a
  forgery): half the rows masked at random, half with the inner face hidden (face-region
  masking through Algorithm 1), f_t all zeros; MSE on the masked patches. With
  `MAETerms.identity_weight` > 0, also FaceNet's identity term (tight crop, `identity_losses`)
  between the face-region rows' composite and the true face: the hidden inner face has to
  carry the person that the visible context shows, not only the mean pixels. At full
  resolution the MAE learns a periodic dot texture that moves FaceNet (an adversarial pattern);
  `identity_downscale` > 1 shows FaceNet both faces shrunk by that factor first (block means),
  so only what survives the low-pass can lower the term.
  With `gradient_weight` > 0, also the L1 distance between the horizontal and vertical
  pixel differences of the face-region rows' composite and of the true face: a step in colour
  at a patch border that the true face does not have (a tile seam), or a dot it does not have,
  costs.
- SIRM: rebuilds a real face from its inner face alone (target * face region -> target), L1;
  on a pristine face this is exactly its job.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from segmentation_models_pytorch.losses import LovaszLoss
from torch import nn

from dfrec.losses import (
    LossConfig,
    identity_losses,
    mask_loss,
    masked_patch_loss,
    real_fake_loss,
)
from dfrec.models.dfrec import DFREC
from dfrec.models.patches import patchify
from dfrec.noise import NOISE_HIGH
from dfrec.pretrained.facenet import FaceNet, load_facenet
from dfrec.training.config import MAETerms


def soft_dice_loss(mask_logits: torch.Tensor, true_mask: torch.Tensor) -> torch.Tensor:
    """1 - soft Dice over each image, averaged; an image with an empty true mask scores by its
    predicted area. (B, 1, H, W) logits, [0, 1] -> scalar."""
    predicted = torch.sigmoid(mask_logits).flatten(1)
    true = true_mask.flatten(1)
    overlap = (predicted * true).sum(dim=1)
    total = predicted.sum(dim=1) + true.sum(dim=1)
    return (1.0 - (2.0 * overlap + 1.0) / (total + 1.0)).mean()


def shrink(images: torch.Tensor, factor: int) -> torch.Tensor:
    """(B, C, S, S) -> (B, C, S / factor, S / factor): the mean of each factor x factor block (a
    box low-pass)."""
    return images if factor == 1 else F.avg_pool2d(images, factor)


def gradient_loss(recovered: torch.Tensor, true: torch.Tensor) -> torch.Tensor:
    """Mean L1 distance of the horizontal and vertical neighbour differences of two image
    batches (B, C, H, W) -> scalar."""
    horizontal, vertical = (
        F.l1_loss(torch.diff(recovered, dim=dim), torch.diff(true, dim=dim)) for dim in (-1, -2)
    )
    return (horizontal + vertical) / 2


NO_MAE_TERMS = MAETerms()  # the MAE patch loss alone
MASK_CUT = 0.5  # where the evaluation cuts the soft blend mask into fake / real pixels
LOVASZ_HINGE = LovaszLoss("binary", per_image=True)  # on logits; (B, 1, H, W) x 2 -> scalar


def lovasz_mask_loss(mask_logits: torch.Tensor, true_mask: torch.Tensor) -> torch.Tensor:
    """Lovasz hinge of the ISM's mask logits against the true mask cut at MASK_CUT, per image.
    (B, 1, H, W) logits, [0, 1] -> scalar."""
    return LOVASZ_HINGE(mask_logits, (true_mask > MASK_CUT).to(mask_logits.dtype))


FACE_REGION_ROWS = slice(0, None, 2)  # the MAE rows whose inner face is hidden


def pretraining_masks(face_region: torch.Tensor) -> torch.Tensor:
    """The m_s each MAE row is masked with: the face region for FACE_REGION_ROWS (the even
    rows), nothing (random masking through Algorithm 1's noise) for the others.
    (B, 1, H, W) -> (B, 1, H, W)."""
    keep = torch.zeros(face_region.shape[0], 1, 1, 1, device=face_region.device)
    keep[FACE_REGION_ROWS] = 1.0
    return face_region * keep


class Pretraining(nn.Module):
    """DFREC's networks, each on its pretraining task; forward returns the loss terms (so that
    DistributedDataParallel sees one forward over every trained parameter). Networks not in
    `networks` are frozen and not run. FaceNet (frozen) is loaded only for an MAE identity
    term (`mae_terms.identity_weight` > 0)."""

    def __init__(
        self,
        network: DFREC,
        networks: tuple[str, ...] = ("ism", "sirm", "tirm"),
        mae_terms: MAETerms = NO_MAE_TERMS,
        ism_lovasz_weight: float = 0.0,
    ):
        super().__init__()
        self.network = network
        self.networks = networks
        self.mae_terms = mae_terms
        self.ism_lovasz_weight = ism_lovasz_weight
        uses_facenet = mae_terms.identity_weight > 0 and "tirm" in networks
        self.facenet = load_facenet() if uses_facenet else None
        for name in ("ism", "sirm", "tirm"):
            getattr(network, name).requires_grad_(name in networks)

    def forward(self, batch: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        """batch: the dataset's tensors -> the trained networks' terms and their sum "total"."""
        return pretraining_losses(
            self.network,
            batch,
            self.networks,
            self.facenet,
            self.mae_terms,
            self.ism_lovasz_weight,
        )


def pretraining_losses(
    model: DFREC,
    batch: dict[str, torch.Tensor],
    networks: tuple[str, ...] = ("ism", "sirm", "tirm"),
    facenet: FaceNet | None = None,
    mae_terms: MAETerms = NO_MAE_TERMS,
    ism_lovasz_weight: float = 0.0,
) -> dict[str, torch.Tensor]:
    """The pretraining terms of the given networks and their sum "total" (the optional terms,
    the MAE's and the ISM's Lovasz term, are stored weighted)."""
    geometry = model.config.geometry
    fake, target, region = batch["fake"], batch["target"], batch["face_region"]
    terms: dict[str, torch.Tensor] = {}
    if "ism" in networks:
        segmentation = model.ism(fake)
        terms["mask"] = mask_loss(segmentation.mask_logits, batch["mask"])
        terms["dice"] = soft_dice_loss(segmentation.mask_logits, batch["mask"])
        terms["real_fake"] = real_fake_loss(segmentation.fake_logit, batch["is_fake"])
        if ism_lovasz_weight > 0:
            terms["lovasz"] = ism_lovasz_weight * lovasz_mask_loss(
                segmentation.mask_logits, batch["mask"]
            )
    if "tirm" in networks:
        noise = torch.rand(target.shape[0], geometry.num_patches, device=target.device)
        grid = geometry.grid_size
        blank_identity = target.new_zeros(
            target.shape[0], model.config.sirm.target_identity_channels, grid, grid
        )
        tirm = model.tirm(
            target,
            pretraining_masks(region),
            blank_identity,
            noise * NOISE_HIGH,
            batch["landmarks"],
        )
        terms["mae_patch"] = masked_patch_loss(
            tirm.predicted_patches, patchify(target, geometry.patch_size), tirm.masked
        )
        hidden, true = tirm.target[FACE_REGION_ROWS], target[FACE_REGION_ROWS]
        if facenet is not None and mae_terms.identity_weight > 0:
            identity_config = LossConfig()
            (identity,) = identity_losses(
                facenet,
                [shrink(hidden, mae_terms.identity_downscale)],
                [shrink(true, mae_terms.identity_downscale)],
                identity_config.identity_crop,
                identity_config.identity_size,
            )
            terms["mae_identity"] = mae_terms.identity_weight * identity
        if mae_terms.gradient_weight > 0:
            terms["mae_gradient"] = mae_terms.gradient_weight * gradient_loss(hidden, true)
    if "sirm" in networks:
        terms["source_rebuild"] = F.l1_loss(model.sirm(target * region).source, target)
    terms["total"] = sum(terms.values())
    return terms
