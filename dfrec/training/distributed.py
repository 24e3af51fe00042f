"""torchrun support: one process per GPU, or a single CPU process when run directly."""

from __future__ import annotations

import os
from typing import NamedTuple

import torch
import torch.distributed as dist


class Placement(NamedTuple):
    rank: int
    world_size: int
    device: torch.device

    @property
    def is_main(self) -> bool:
        return self.rank == 0


def setup() -> Placement:
    """Read torchrun's environment (RANK, WORLD_SIZE, LOCAL_RANK); default: one process."""
    world_size = int(os.environ.get("WORLD_SIZE", "1"))
    rank = int(os.environ.get("RANK", "0"))
    if torch.cuda.is_available():
        local_rank = int(os.environ.get("LOCAL_RANK", "0"))
        torch.cuda.set_device(local_rank)
        device = torch.device("cuda", local_rank)
    else:
        device = torch.device("cpu")
    if world_size > 1:
        dist.init_process_group("nccl" if device.type == "cuda" else "gloo")
    return Placement(rank, world_size, device)


def teardown(placement: Placement) -> None:
    if placement.world_size > 1:
        dist.destroy_process_group()
