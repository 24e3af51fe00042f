"""TIRM: target identity recovery module, an identity-aware masked autoencoder."""

from __future__ import annotations

from typing import NamedTuple

import torch
import torch.nn.functional as F
from timm.layers import PatchEmbed, build_sincos2d_pos_embed
from timm.models.vision_transformer import Block
from torch import nn

from dfrec.config import DFRECConfig
from dfrec.models.deblock import border_band, deblock
from dfrec.models.face_geometry import LandmarkWarp
from dfrec.models.masking import semantic_guided_masking
from dfrec.models.patches import patch_means, patchify, unpatchify


class TIRMOutput(NamedTuple):
    target: torch.Tensor  # (B, 3, H, W): input with the masked patches' prediction put in
    predicted_patches: torch.Tensor  # (B, n, p*p*3) in [0, 1]: prediction for every patch
    masked: torch.Tensor  # (B, n) bool: which patches were masked (the patch loss covers these)


def gather_tokens(tokens: torch.Tensor, index: torch.Tensor) -> torch.Tensor:
    """tokens: (B, n, D), index: (B, k) -> (B, k, D)."""
    return torch.gather(tokens, 1, index.unsqueeze(-1).expand(-1, -1, tokens.shape[-1]))


def face_detail(face: torch.Tensor, patch_size: int) -> torch.Tensor:
    """An aligned face (3, H, W) in [0, 1] -> its logits minus each patch's mean logit per
    channel, (1, n, p*p*3) channel fastest: the pixel prior's form, detail and no colour."""
    logits = torch.logit(face.clamp(0.02, 0.98))[None]
    per_channel = patchify(logits, patch_size).unflatten(-1, (patch_size * patch_size, 3))
    return (per_channel - per_channel.mean(dim=2, keepdim=True)).flatten(2)


class TIRM(nn.Module):
    """ViT encoder on the visible patches; its tokens are concatenated with f_t and fed to the
    identity fusion decoder, which predicts the pixels of every patch."""

    def __init__(self, config: DFRECConfig) -> None:
        super().__init__()
        geometry, tirm = config.geometry, config.tirm
        self.geometry = geometry
        self.composite = tirm.composite
        self.deblock_width = tirm.deblock_width
        if self.deblock_width > 0:
            band = border_band(geometry.image_size, geometry.patch_size, tirm.deblock_width)
            self.register_buffer("deblock_band", band, persistent=False)
        self.encoder_width = tirm.embed_dim  # the fusion's first columns; f_t's follow
        self.patch_embed = PatchEmbed(
            img_size=geometry.image_size, patch_size=geometry.patch_size, embed_dim=tirm.embed_dim
        )
        grid = [geometry.grid_size, geometry.grid_size]
        self.register_buffer(
            "pos_embed", build_sincos2d_pos_embed(grid, tirm.embed_dim)[None], persistent=False
        )
        self.encoder_blocks = nn.ModuleList(
            Block(tirm.embed_dim, tirm.num_heads, tirm.mlp_ratio, qkv_bias=True)
            for _ in range(tirm.depth)
        )
        self.encoder_norm = nn.LayerNorm(tirm.embed_dim)

        self.fusion_embed = nn.Linear(config.fusion_dim, tirm.decoder_embed_dim)
        self.silence_identity_fusion()
        self.mask_token = nn.Parameter(torch.zeros(1, 1, tirm.decoder_embed_dim))
        self.register_buffer(
            "decoder_pos_embed",
            build_sincos2d_pos_embed(grid, tirm.decoder_embed_dim)[None],
            persistent=False,
        )
        self.decoder_blocks = nn.ModuleList(
            Block(tirm.decoder_embed_dim, tirm.decoder_num_heads, tirm.mlp_ratio, qkv_bias=True)
            for _ in range(tirm.decoder_depth)
        )
        self.decoder_norm = nn.LayerNorm(tirm.decoder_embed_dim)
        self.to_pixels = nn.Linear(tirm.decoder_embed_dim, geometry.patch_pixels)
        nn.init.normal_(self.mask_token, std=0.02)
        # (1, n, p*p*3) logits added before the sigmoid; set from data by set_pixel_prior (small
        # random values until then, so that a random checkpoint's served chains carry a prior)
        self.pixel_prior = None
        if tirm.pixel_prior:
            self.pixel_prior = nn.Parameter(
                torch.zeros(1, geometry.num_patches, geometry.patch_pixels)
            )
            nn.init.normal_(self.pixel_prior, std=0.02)
        self.landmark_warp = LandmarkWarp(geometry.image_size) if tirm.geometry_prior else None

    def silence_identity_fusion(self) -> None:
        """Zero f_t's columns of the fusion: a fusion that never saw f_t (at initialisation, or
        after pretraining with blank f_t, which gives those columns no gradient) then adds
        nothing instead of a random projection of the SIRM's f_t at inference."""
        with torch.no_grad():
            self.fusion_embed.weight[:, self.encoder_width :].zero_()

    def set_pixel_prior(self, mean_face: torch.Tensor) -> None:
        """Start the prior from a mean aligned face (3, H, W) in [0, 1] (see face_detail)."""
        if self.pixel_prior is None:
            raise ValueError("this TIRM config has pixel_prior=False")
        with torch.no_grad():
            self.pixel_prior.copy_(face_detail(mean_face, self.geometry.patch_size))

    def forward_encoder(self, image: torch.Tensor, kept_index: torch.Tensor) -> torch.Tensor:
        """image: (B, 3, H, W), kept_index: (B, k) -> visible token features (B, k, D)."""
        tokens = gather_tokens(self.patch_embed(image) + self.pos_embed, kept_index)
        for block in self.encoder_blocks:
            tokens = block(tokens)
        return self.encoder_norm(tokens)

    def prior_logits(self, landmarks: torch.Tensor | None) -> torch.Tensor:
        """The pixel prior (1, n, p*p*3), or with geometry_prior the prior moved onto each face's
        landmarks (B, 68, 2) in crop pixels: (B, n, p*p*3). Without landmarks the prior stays on
        the mean face's geometry."""
        if self.landmark_warp is None or landmarks is None:
            return self.pixel_prior
        patch_size, grid = self.geometry.patch_size, self.geometry.grid_size
        image = unpatchify(self.pixel_prior, patch_size, grid)  # (1, 3, H, W)
        sampling = self.landmark_warp(landmarks)
        moved = F.grid_sample(
            image.expand(landmarks.shape[0], -1, -1, -1),
            sampling.to(image.dtype),
            mode="bilinear",
            padding_mode="border",
            align_corners=True,
        )
        return patchify(moved, patch_size)

    def forward_decoder(
        self,
        fused: torch.Tensor,
        restore_index: torch.Tensor,
        landmarks: torch.Tensor | None = None,
    ) -> torch.Tensor:
        """fused: (B, k, D + C_t) visible tokens with f_t, restore_index: (B, n), landmarks:
        (B, 68, 2) with geometry_prior. -> predicted pixels of every patch (B, n, p*p*3)."""
        visible = self.fusion_embed(fused)
        batch, num_patches = restore_index.shape
        masked = self.mask_token.expand(batch, num_patches - visible.shape[1], -1)
        tokens = gather_tokens(torch.cat([masked, visible], dim=1), restore_index)
        tokens = tokens + self.decoder_pos_embed
        for block in self.decoder_blocks:
            tokens = block(tokens)
        logits = self.to_pixels(self.decoder_norm(tokens))
        if self.pixel_prior is not None:
            logits = logits + self.prior_logits(landmarks)
        return torch.sigmoid(logits)

    def forward(
        self,
        image: torch.Tensor,
        mask: torch.Tensor,
        target_identity: torch.Tensor,
        noise: torch.Tensor,
        landmarks: torch.Tensor | None = None,
    ) -> TIRMOutput:
        """image: (B, 3, H, W) the input face; mask: (B, 1, H, W) m_s; target_identity:
        (B, C_t, H/p, W/p) f_t from the SIRM; noise: (B, n) in [0, 0.1] for Algorithm 1;
        landmarks: (B, 68, 2) the input's own in crop pixels, where geometry_prior draws the
        prior (None: on the mean face's geometry)."""
        patch_size = self.geometry.patch_size
        selection = semantic_guided_masking(
            patch_means(mask, patch_size), noise, self.geometry.num_masked
        )
        visible = self.forward_encoder(image, selection.kept_index)
        identity = gather_tokens(target_identity.flatten(2).transpose(1, 2), selection.kept_index)
        predicted = self.forward_decoder(
            torch.cat([visible, identity], dim=-1), selection.restore_index, landmarks
        )
        input_patches = patchify(image, patch_size)
        weight = selection.masked.unsqueeze(-1).to(image.dtype)  # (B, n, 1)
        if self.composite == "mask":  # m_s per pixel, repeated for the 3 channels of a pixel
            weight = weight * patchify(mask.detach(), patch_size).repeat_interleave(3, dim=-1)
        merged = input_patches + weight * (predicted - input_patches)
        target = unpatchify(merged, patch_size, self.geometry.grid_size)
        first_channel = weight.expand_as(merged)[..., ::3]  # (B, n, p*p): one per pixel
        changed = unpatchify(first_channel, patch_size, self.geometry.grid_size, channels=1)
        if self.deblock_width > 0:
            target = deblock(target, changed, self.deblock_band, self.deblock_width)
        return TIRMOutput(target, predicted, selection.masked)
