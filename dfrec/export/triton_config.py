"""config.pbtxt text for the three models and the `dfrec` ensemble."""

from __future__ import annotations

from dfrec.export.wrappers import ServingModel, TensorSpec

ENSEMBLE_NAME = "dfrec"
MODEL_VERSION = 1


def dims_text(spec: TensorSpec) -> str:
    return ", ".join(map(str, spec.dims))


def tensor_block(kind: str, specs: list[TensorSpec]) -> str:
    entries = ",\n".join(
        f'  {{ name: "{spec.name}" data_type: TYPE_FP32 dims: [ {dims_text(spec)} ] }}'
        for spec in specs
    )
    return f"{kind} [\n{entries}\n]"


def warmup_block(specs: list[TensorSpec]) -> str:
    inputs = "\n".join(
        f'    inputs {{ key: "{spec.name}" value: {{ data_type: TYPE_FP32 '
        f"dims: [ {', '.join(map(str, spec.dims))} ] zero_data: true }} }}"
        for spec in specs
    )
    return f'model_warmup [\n  {{\n    name: "zeros" batch_size: 1\n{inputs}\n  }}\n]'


def parameters_block(parameters: dict[str, str]) -> str:
    return "\n".join(
        f'parameters {{ key: "{key}" value: {{ string_value: "{value}" }} }}'
        for key, value in parameters.items()
    )


RUNTIMES = {  # runtime -> (config line, instance kind)
    "python": ('backend: "python"', "KIND_CPU"),  # cpu target: TorchScript in the python backend
    "onnxruntime": ('platform: "onnxruntime_onnx"', "KIND_GPU"),  # gpu: model.onnx, FP32
    "tensorrt": ('platform: "tensorrt_plan"', "KIND_GPU"),  # gpu: model.plan built by trtexec
}


def model_config(
    serving: ServingModel, runtime: str, max_batch_size: int, parameters: dict[str, str]
) -> str:
    """One network's config.pbtxt for one of RUNTIMES."""
    platform, kind = RUNTIMES[runtime]
    return "\n".join(
        [
            f'name: "{serving.name}"',
            platform,
            f"max_batch_size: {max_batch_size}",
            f"version_policy: {{ specific: {{ versions: [ {MODEL_VERSION} ] }} }}",
            tensor_block("input", serving.inputs),
            tensor_block("output", serving.outputs),
            "dynamic_batching { max_queue_delay_microseconds: 2000 }",
            f"instance_group [ {{ kind: {kind} count: 1 }} ]",
            warmup_block(serving.inputs),
            parameters_block(parameters),
            "",
        ]
    )


ENSEMBLE_OUTPUTS = ("mask", "fake_probability", "source", "target")  # what a job returns
LRE_OUTPUTS = ("lre_fake_probability", "heatmap")  # also returned when the lre model is there


def public(spec: TensorSpec) -> str:
    """The ensemble's name of a model tensor: without the `__<index>` suffix."""
    return spec.name.split("__")[0]


def ensemble_config(
    models: list[ServingModel], max_batch_size: int, parameters: dict[str, str]
) -> str:
    """ISM -> SIRM -> TIRM (and LRE beside them) in one request: image + mask_noise in; mask,
    fake_probability, source, target (and lre_fake_probability, heatmap) out. Tensor names
    without the `__<index>` suffix are the ensemble's own."""

    produced = {public(spec): spec for serving in models for spec in serving.outputs}
    consumed = {public(spec): spec for serving in models for spec in serving.inputs}
    # What no model produces comes from the client (image, mask_noise), in first-use order.
    ensemble_inputs = [
        TensorSpec(name, spec.dims) for name, spec in consumed.items() if name not in produced
    ]
    names = [*ENSEMBLE_OUTPUTS, *(name for name in LRE_OUTPUTS if name in produced)]
    ensemble_outputs = [TensorSpec(name, produced[name].dims) for name in names]
    steps = []
    for serving in models:
        maps = [
            f'      input_map {{ key: "{spec.name}" value: "{public(spec)}" }}'
            for spec in serving.inputs
        ]
        maps += [
            f'      output_map {{ key: "{spec.name}" value: "{public(spec)}" }}'
            for spec in serving.outputs
        ]
        steps.append(
            f'    {{\n      model_name: "{serving.name}"\n      model_version: {MODEL_VERSION}\n'
            + "\n".join(maps)
            + "\n    }"
        )
    return "\n".join(
        [
            f'name: "{ENSEMBLE_NAME}"',
            'platform: "ensemble"',
            f"max_batch_size: {max_batch_size}",
            tensor_block("input", ensemble_inputs),
            tensor_block("output", ensemble_outputs),
            "ensemble_scheduling {\n  step [\n" + ",\n".join(steps) + "\n  ]\n}",
            parameters_block(parameters),
            "",
        ]
    )
