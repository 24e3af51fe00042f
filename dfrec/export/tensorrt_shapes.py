"""`tensorrt_plans.txt`: what `docker/build-plans.sh` hands trtexec for each network.

One line per network: `<name> <minShapes> <optShapes> <maxShapes>`, shapes in trtexec's
`input:BxCxHxW,...` form, batch 1 .. max_batch_size (optimised for the largest batch, which
dynamic batching fills under load).
"""

from __future__ import annotations

from dfrec.export.wrappers import ServingModel

PLANS_FILE = "tensorrt_plans.txt"


def shapes(serving: ServingModel, batch_size: int) -> str:
    return ",".join(
        f"{spec.name}:{'x'.join(map(str, (batch_size, *spec.dims)))}" for spec in serving.inputs
    )


def plans_text(models: list[ServingModel], max_batch_size: int) -> str:
    lines = [
        " ".join(
            [
                serving.name,
                shapes(serving, 1),
                shapes(serving, max_batch_size),
                shapes(serving, max_batch_size),
            ]
        )
        for serving in models
    ]
    return "\n".join(lines) + "\n"
