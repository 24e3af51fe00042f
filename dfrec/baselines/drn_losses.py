"""DRN's six training losses (seed 002, Eq. 1-7), in our vocabulary original = target.

  L = L_id + L_redun + L_recon + L_map + L_gen + 5 * L_cycle

- L_id = |E_id(I_ori) - R(I_ori)|_1, R the pretrained face recognizer: our FaceNet (the paper
  used a ResNet-50), its unit-length 512-D embedding. When vector_dim < 512 the embedding is
  projected onto vector_dim fixed orthonormal directions (QR of a seeded Gaussian matrix, never
  trained), so the target of L_id stays the recognizer's geometry and cannot collapse.
- L_redun = |cos(E_id, E_attr)| of I_ori + the same of I_fake. The paper writes the signed
  cosine, whose minimum -1 means attribute = -identity, i.e. fully redundant; the absolute value
  makes the minimum 0, orthogonal vectors, which is what "least redundant" means.
- L_recon = |I_ori - D(E_id(I_ori), E_attr(I_ori))|_2^2
- L_map = |E_id(I_ori) - E_id(I_fake)|_1
- L_gen = |I_ori - I_tra|_2^2
- L_cycle = |E_id(I_ori) - E_id(I_tra)|_1

Norms are means over elements (and over the batch), so the terms do not scale with image size
or vector width. The recognizer is frozen; only the DRN learns.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from dfrec.baselines.drn import DRNOutput
from dfrec.pretrained.facenet import EMBEDDING_SIZE, FaceNet, load_facenet

PROJECTION_SEED = 0


@dataclass(frozen=True)
class DRNLossWeights:
    """lambda_1 ... lambda_6 of Eq. 7: all 1 except the cycle term, 5. Named as the terms."""

    identity: float = 1.0
    redundancy: float = 1.0
    reconstruction: float = 1.0
    mapping: float = 1.0
    generation: float = 1.0
    cycle: float = 5.0


def recognizer_projection(vector_dim: int, embedding_size: int = EMBEDDING_SIZE) -> torch.Tensor:
    """(embedding_size, vector_dim) with orthonormal columns; the identity when sizes agree."""
    if vector_dim > embedding_size:
        raise ValueError(
            f"vector_dim {vector_dim} exceeds the recognizer's {embedding_size}-D embedding"
        )
    if vector_dim == embedding_size:
        return torch.eye(embedding_size)
    generator = torch.Generator().manual_seed(PROJECTION_SEED)
    gaussian = torch.randn(embedding_size, vector_dim, generator=generator)
    return torch.linalg.qr(gaussian).Q


def redundancy_loss(identity: torch.Tensor, attribute: torch.Tensor) -> torch.Tensor:
    """Mean |cosine| of paired vectors. identity, attribute: (B, V) -> scalar."""
    return F.cosine_similarity(identity, attribute, dim=1, eps=1e-8).abs().mean()


class DRNLoss(nn.Module):
    """The six terms by name plus their weighted sum "total".

    recognizer defaults to the process-wide frozen FaceNet; it is a submodule, so `.to(device)`
    moves it with the loss.
    """

    def __init__(
        self,
        vector_dim: int,
        weights: DRNLossWeights | None = None,
        recognizer: FaceNet | None = None,
    ) -> None:
        super().__init__()
        self.weights = weights or DRNLossWeights()
        self.recognizer = recognizer if recognizer is not None else load_facenet()
        self.register_buffer("projection", recognizer_projection(vector_dim), persistent=False)

    def recognizer_identity(self, faces: torch.Tensor) -> torch.Tensor:
        """R(faces) in the identity vector space. (B, 3, S, S) -> (B, vector_dim), no grad."""
        with torch.no_grad():
            return self.recognizer(faces).embedding @ self.projection

    def forward(self, output: DRNOutput, original: torch.Tensor) -> dict[str, torch.Tensor]:
        """output: the DRN's training pass; original: I_ori (B, 3, S, S). Returns scalars."""
        identity_original = output.identity_original
        terms = {
            "identity": F.l1_loss(identity_original, self.recognizer_identity(original)),
            "redundancy": redundancy_loss(identity_original, output.attribute_original)
            + redundancy_loss(output.identity_fake, output.attribute_fake),
            "reconstruction": F.mse_loss(output.reconstructed, original),
            "mapping": F.l1_loss(output.identity_fake, identity_original),
            "generation": F.mse_loss(output.traced, original),
            "cycle": F.l1_loss(output.identity_traced, identity_original),
        }
        terms["total"] = sum(getattr(self.weights, name) * value for name, value in terms.items())
        return terms
