"""LRE's masked autoencoder: a ViT MAE trained on real faces with the key facial region masked.

Follows facebookresearch/mae's split: `key_region_masking`, `forward_encoder`,
`forward_decoder`, `forward_loss`. At inference the masked non-key patches are a fixed choice
(a buffer drawn from `inference_seed`), so the same face always gives the same reconstruction.
"""

from __future__ import annotations

from typing import NamedTuple

import torch
from timm.layers import PatchEmbed, build_sincos2d_pos_embed
from timm.models.vision_transformer import Block
from torch import nn

from dfrec.lre.config import LREConfig
from dfrec.models.patches import patchify, unpatchify

KEY_PRIORITY = 1.0  # added to a key patch's random value: key patches are masked first


class PatchMasking(NamedTuple):
    kept_index: torch.Tensor  # (B, k) int64: visible patches
    restore_index: torch.Tensor  # (B, n) int64: inverse permutation of [masked | kept] order
    masked: torch.Tensor  # (B, n) bool


class Reconstruction(NamedTuple):
    image: torch.Tensor  # (B, 3, H, W): visible patches of the input, masked ones predicted
    predicted_patches: torch.Tensor  # (B, n, p*p*3) in [0, 1]: prediction for every patch
    masked: torch.Tensor  # (B, n) bool


def gather_tokens(tokens: torch.Tensor, index: torch.Tensor) -> torch.Tensor:
    """tokens: (B, n, D), index: (B, k) -> (B, k, D)."""
    return torch.gather(tokens, 1, index.unsqueeze(-1).expand(-1, -1, tokens.shape[-1]))


def key_region_masking(is_key: torch.Tensor, noise: torch.Tensor, num_masked: int) -> PatchMasking:
    """The paper's key-region masking: every key patch masked, the rest of the masked patches
    drawn at random. is_key: (n,) float 0/1; noise: (B, n) in [0, 1) -> PatchMasking."""
    priority = noise + KEY_PRIORITY * is_key
    order = torch.argsort(priority, dim=1, descending=True, stable=True)
    restore_index = torch.argsort(order, dim=1)
    return PatchMasking(order[:, num_masked:], restore_index, restore_index < num_masked)


class LocalMAE(nn.Module):
    """ViT encoder on the visible patches, transformer decoder with mask tokens, sigmoid pixels."""

    def __init__(self, config: LREConfig) -> None:
        super().__init__()
        self.config = config
        grid = [config.grid_size, config.grid_size]
        self.patch_embed = PatchEmbed(
            img_size=config.image_size, patch_size=config.patch_size, embed_dim=config.embed_dim
        )
        self.register_buffer(
            "pos_embed", build_sincos2d_pos_embed(grid, config.embed_dim)[None], persistent=False
        )
        self.encoder_blocks = nn.ModuleList(
            Block(config.embed_dim, config.num_heads, config.mlp_ratio, qkv_bias=True)
            for _ in range(config.depth)
        )
        self.encoder_norm = nn.LayerNorm(config.embed_dim)
        self.decoder_embed = nn.Linear(config.embed_dim, config.decoder_embed_dim)
        self.mask_token = nn.Parameter(torch.zeros(1, 1, config.decoder_embed_dim))
        self.register_buffer(
            "decoder_pos_embed",
            build_sincos2d_pos_embed(grid, config.decoder_embed_dim)[None],
            persistent=False,
        )
        self.decoder_blocks = nn.ModuleList(
            Block(
                config.decoder_embed_dim, config.decoder_num_heads, config.mlp_ratio, qkv_bias=True
            )
            for _ in range(config.decoder_depth)
        )
        self.decoder_norm = nn.LayerNorm(config.decoder_embed_dim)
        self.to_pixels = nn.Linear(config.decoder_embed_dim, config.patch_pixels)
        nn.init.normal_(self.mask_token, std=0.02)
        is_key = torch.zeros(config.num_patches)
        is_key[list(config.key_patches)] = 1.0
        self.register_buffer("is_key", is_key, persistent=False)
        generator = torch.Generator().manual_seed(config.inference_seed)
        self.register_buffer(
            "inference_noise",
            torch.rand(1, config.num_patches, generator=generator),
            persistent=False,
        )

    def masking(self, batch: int, noise: torch.Tensor | None = None) -> PatchMasking:
        """noise: (B, n) in [0, 1) for training; None: the fixed inference choice."""
        if noise is None:
            noise = self.inference_noise.expand(batch, -1)
        return key_region_masking(self.is_key, noise, self.config.num_masked)

    def forward_encoder(self, images: torch.Tensor, kept_index: torch.Tensor) -> torch.Tensor:
        """images: (B, 3, H, W), kept_index: (B, k) -> visible token features (B, k, D)."""
        tokens = gather_tokens(self.patch_embed(images) + self.pos_embed, kept_index)
        for block in self.encoder_blocks:
            tokens = block(tokens)
        return self.encoder_norm(tokens)

    def forward_decoder(self, visible: torch.Tensor, restore_index: torch.Tensor) -> torch.Tensor:
        """visible: (B, k, D), restore_index: (B, n) -> pixels of every patch (B, n, p*p*3)."""
        visible = self.decoder_embed(visible)
        batch, num_patches = restore_index.shape
        masked = self.mask_token.expand(batch, num_patches - visible.shape[1], -1)
        tokens = gather_tokens(torch.cat([masked, visible], dim=1), restore_index)
        tokens = tokens + self.decoder_pos_embed
        for block in self.decoder_blocks:
            tokens = block(tokens)
        return torch.sigmoid(self.to_pixels(self.decoder_norm(tokens)))

    def forward(self, images: torch.Tensor, noise: torch.Tensor | None = None) -> Reconstruction:
        """images: (B, 3, H, W) in [0, 1]; noise: (B, n) in [0, 1) or None (inference)."""
        size = self.config.image_size
        if images.shape[-2:] != (size, size):
            raise ValueError(f"LRE expects {size}x{size} faces, got {tuple(images.shape[-2:])}")
        selection = self.masking(images.shape[0], noise)
        predicted = self.forward_decoder(
            self.forward_encoder(images, selection.kept_index), selection.restore_index
        )
        patch_size = self.config.patch_size
        input_patches = patchify(images, patch_size)
        weight = selection.masked.unsqueeze(-1).to(images.dtype)
        merged = input_patches + weight * (predicted - input_patches)
        return Reconstruction(
            unpatchify(merged, patch_size, self.config.grid_size), predicted, selection.masked
        )

    def forward_loss(self, images: torch.Tensor, output: Reconstruction) -> torch.Tensor:
        """Eq. 1: MSE over the masked patches only."""
        error = (output.predicted_patches - patchify(images, self.config.patch_size)) ** 2
        weight = output.masked.to(error.dtype)
        return (error.mean(dim=-1) * weight).sum() / weight.sum().clamp(min=1.0)


def mae_state_from_tirm(
    tirm_state: dict[str, torch.Tensor], embed_dim: int
) -> dict[str, torch.Tensor]:
    """A LocalMAE state dict from a DFREC TIRM's (`tirm.` prefix stripped): the same ViT, whose
    fusion layer also reads f_t; the MAE pretraining fed f_t as zeros, so keeping the columns of
    the visible tokens' features is exact. Unknown TIRM tensors (later additions) are left out."""
    renamed = {}
    for name, tensor in tirm_state.items():
        if name.startswith("fusion_embed."):
            name = name.replace("fusion_embed.", "decoder_embed.")
            tensor = tensor[:, :embed_dim] if name.endswith("weight") else tensor
        renamed[name] = tensor
    return renamed
