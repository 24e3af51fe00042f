"""Cost of one full-stage DFREC training step on this CPU: the paper's losses computed pair by
pair (identity on the loose crop at FaceNet's 160 px; FaceNet and VGG19 called once per face
kind and per recovered / true side, as each loss term reads) against this project's (identity on
the tight face crop at 112 px; the recovered faces of both kinds in one call of each network, the
true ones in another), in float32 and under bf16 autocast (`dfrec train --cpu-bf16`), same
batch, same model.

    python bench/train_step.py [--batch-size 8] [--repeats 5]

The settings alternate step by step in one process, so machine noise hits all alike; the ratios
of medians to the paper's setting are the numbers to read. On a CPU without native bfloat16
(AVX512-BF16 or AMX) the bf16 setting is left out, as `dfrec train --cpu-bf16` refuses it there:
on a 2-core AVX2 EPYC it measured 164 s a step against 8.6 s in float32.
"""

from __future__ import annotations

import argparse
import statistics
import time

import torch
from torch import nn

from dfrec.losses import DFRECLoss, LossConfig
from dfrec.models.dfrec import DFREC
from dfrec.pretrained.facenet import FaceNetOutput, load_facenet
from dfrec.pretrained.vgg19 import load_vgg19
from dfrec.registry import create_config
from dfrec.training.loop import compute_losses
from dfrec.training.runner import native_cpu_bf16

PAPER_LOSS = LossConfig(perceptual_size=64, identity_crop="loose", identity_size=160)
TIGHT_LOSS = LossConfig(perceptual_size=64)
SETTINGS = {  # name -> (loss, one network call per face kind, bf16 autocast); first: reference
    "paper losses pair by pair (loose, 160 px)": (PAPER_LOSS, True, False),
    "tight face crop, 112 px, batched kinds": (TIGHT_LOSS, False, False),
    "the same under bf16 autocast": (TIGHT_LOSS, False, True),
}


class OneCallPerKind(nn.Module):
    """`network` run on each `rows`-row block of its input apart (one face kind at a time), its
    outputs concatenated back: the cost of computing every loss term on its own pair."""

    def __init__(self, network: nn.Module, rows: int):
        super().__init__()
        self.network, self.rows = network, rows

    def forward(self, images: torch.Tensor, *args):
        outputs = [self.network(block, *args) for block in images.split(self.rows)]
        if isinstance(outputs[0], FaceNetOutput):
            return FaceNetOutput(
                torch.cat([output.embedding for output in outputs]),
                {
                    name: torch.cat([o.features[name] for o in outputs])
                    for name in outputs[0].features
                },
            )
        return {name: torch.cat([output[name] for output in outputs]) for name in outputs[0]}


def step_loss(loss: LossConfig, per_kind: bool, rows: int) -> DFRECLoss:
    """The loss module of one setting; per_kind wraps the frozen networks in OneCallPerKind."""
    if not per_kind:
        return DFRECLoss(loss)
    return DFRECLoss(loss, OneCallPerKind(load_facenet(), rows), OneCallPerKind(load_vgg19(), rows))


def random_batch(batch_size: int, image_size: int) -> dict[str, torch.Tensor]:
    shape = (batch_size, 3, image_size, image_size)
    return {
        "fake": torch.rand(shape),
        "source": torch.rand(shape),
        "target": torch.rand(shape),
        "mask": torch.rand(batch_size, 1, image_size, image_size),
        "is_fake": torch.ones(batch_size),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    torch.manual_seed(0)
    config = create_config("small")
    geometry = config.geometry
    model = DFREC(config).train()
    settings = {
        name: setting for name, setting in SETTINGS.items() if native_cpu_bf16() or not setting[2]
    }
    losses = {
        name: (step_loss(loss, per_kind, args.batch_size), bf16)
        for name, (loss, per_kind, bf16) in settings.items()
    }
    batch = random_batch(args.batch_size, geometry.image_size)
    seconds: dict[str, list[float]] = {name: [] for name in settings}
    for repeat in range(args.repeats + 1):  # the first round warms up
        for name, (loss, bf16) in losses.items():
            start = time.perf_counter()
            with torch.autocast("cpu", torch.bfloat16, enabled=bf16):
                terms, _ = compute_losses(
                    model, loss, batch, geometry.patch_size, geometry.num_patches
                )
            terms["total"].backward()
            model.zero_grad(set_to_none=True)
            if repeat:
                seconds[name].append(time.perf_counter() - start)
    print(
        f"small, batch {args.batch_size}, torch threads {torch.get_num_threads()}, "
        f"median of {args.repeats} alternating steps; "
        f"native bf16: {native_cpu_bf16()} ({torch.backends.cpu.get_cpu_capability()})"
    )
    medians = {name: statistics.median(values) for name, values in seconds.items()}
    reference = next(iter(medians.values()))
    for name, median in medians.items():
        print(f"{name:40s} {median:7.2f} s / step, {reference / median:.2f}x the paper's speed")


if __name__ == "__main__":
    main()
