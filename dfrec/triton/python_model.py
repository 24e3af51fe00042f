"""Triton python-backend model: runs the TorchScript file next to it on the CPU.

Copied as `model.py` into each CPU model's version folder by the exporter; it depends on torch
and numpy only, never on the dfrec package. Input and output names come from the model config.
The stub needs NumPy < 2 (with NumPy 2 its outputs arrive empty). Each request runs on its
own so that a result never depends on which requests were batched with it (results are
evidence: the same image must give the same bytes).
"""

import json
from pathlib import Path

import torch
import triton_python_backend_utils as pb_utils


class TritonPythonModel:
    def initialize(self, args):
        config = json.loads(args["model_config"])
        self.input_names = [tensor["name"] for tensor in config["input"]]
        self.output_names = [tensor["name"] for tensor in config["output"]]
        parameters = config.get("parameters", {})
        threads = int(parameters.get("torch_threads", {}).get("string_value", "0") or 0)
        if threads > 0:
            torch.set_num_threads(threads)
        version_dir = Path(args["model_repository"]) / args["model_version"]
        self.module = torch.jit.load(str(version_dir / "model.pt"), map_location="cpu").eval()

    def run(self, request):
        inputs = [
            torch.from_numpy(pb_utils.get_input_tensor_by_name(request, name).as_numpy())
            for name in self.input_names
        ]
        with torch.inference_mode():
            outputs = self.module(*inputs)
        if isinstance(outputs, torch.Tensor):
            outputs = (outputs,)
        tensors = [
            pb_utils.Tensor(name, output.contiguous().numpy())
            for name, output in zip(self.output_names, outputs, strict=True)
        ]
        return pb_utils.InferenceResponse(output_tensors=tensors)

    def execute(self, requests):
        responses = []
        for request in requests:
            try:
                responses.append(self.run(request))
            except Exception as error:  # one bad request must not fail the others
                message = f"{type(error).__name__}: {error}"
                responses.append(pb_utils.InferenceResponse(error=pb_utils.TritonError(message)))
        return responses
